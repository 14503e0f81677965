import { naturalKey } from '@palermo/indicators';
import type { ImportSession } from '@palermo/store';
import type { ImportReport } from './import.report';
import type { SpooledObject } from './import.spool';

/** Objects written per statement. */
export const IMPORT_BATCH_SIZE = 500;

/**
 * Collects spooled objects into batches of distinct ids and distinct values (a repeat closes the
 * batch, so a later version of an object sees the earlier one) and applies them in the session.
 */
export class ImportBatcher {
  private pending: { entry: SpooledObject; key: string | null }[] = [];
  private readonly refs = new Set<string>();
  private readonly keys = new Set<string>();

  constructor(
    private readonly session: ImportSession,
    private readonly report: ImportReport,
  ) {}

  /** Queues one object (already validated by the one indicator schema when it was spooled). */
  async add(entry: SpooledObject): Promise<void> {
    const { obj } = entry;
    const key = obj.revoked || !obj.input ? null : naturalKey(obj.input);
    if (this.refs.has(obj.refId) || (key !== null && this.keys.has(key))) await this.flush();
    this.pending.push({ entry, key });
    this.refs.add(obj.refId);
    if (key !== null) this.keys.add(key);
    if (this.pending.length >= IMPORT_BATCH_SIZE) await this.flush();
  }

  /** Applies what is queued. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.refs.clear();
    this.keys.clear();
    const outcomes = await this.session.apply(batch.map((p) => p.entry.obj));
    outcomes.forEach((outcome, i) => this.report.record(batch[i]!.entry.place, outcome, batch[i]!.entry.adoptedFrom));
  }
}
