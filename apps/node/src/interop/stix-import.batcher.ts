import { naturalKey, parseIndicatorInput } from '@palermo/indicators';
import type { ImportObject, ImportOutcome, ImportSession } from '@palermo/store';

/** Failures listed in a report (the rest are only counted): a 100k-object file stays a small answer. */
export const MAX_LISTED_FAILURES = 100;
/** Objects written per statement. */
export const IMPORT_BATCH_SIZE = 500;
const MAX_REASON = 300;

/** Where an object sat in the file, for the report. */
export interface ObjectPlace {
  index: number;
  id: string | null;
  type: string | null;
}

/** A problem with one object, as the report lists it. */
export interface ImportFailure extends ObjectPlace {
  code: string;
  reason: string;
}

/** Something dropped or changed on the way in (a label that is no tag, a raised TLP, …). */
export interface ImportWarning extends ObjectPlace {
  message: string;
}

/** Counts and failures of one import (the answer of the import endpoints). */
export class ImportReport {
  readonly counts = { created: 0, updated: 0, unchanged: 0, revoked: 0, ignored: 0, failed: 0 };
  readonly ignoredByType: Record<string, number> = {};
  readonly failures: ImportFailure[] = [];
  /** Listed up to MAX_LISTED_FAILURES, like failures. */
  readonly warnings: ImportWarning[] = [];
  warningsTotal = 0;

  /** Notes something dropped or changed on the way in; the object itself is imported. */
  warn(place: ObjectPlace, message: string): void {
    this.warningsTotal += 1;
    if (this.warnings.length < MAX_LISTED_FAILURES) this.warnings.push({ ...place, message: message.slice(0, MAX_REASON) });
  }

  /** Counts an object that carries no indicator (identity, marking-definition, relationship, …). */
  ignore(type: string): void {
    this.counts.ignored += 1;
    const key = type.slice(0, 64);
    // Bounded: a hostile file cannot grow the report with endless invented types.
    if (key in this.ignoredByType || Object.keys(this.ignoredByType).length < 50) this.ignoredByType[key] = (this.ignoredByType[key] ?? 0) + 1;
  }

  /** Counts a failed object; the first MAX_LISTED_FAILURES are listed. */
  fail(place: ObjectPlace, code: string, reason: string): void {
    this.counts.failed += 1;
    if (this.failures.length < MAX_LISTED_FAILURES) this.failures.push({ ...place, code, reason: reason.slice(0, MAX_REASON) });
  }

  /** Counts what the store did with one object. */
  record(place: ObjectPlace, outcome: ImportOutcome): void {
    if (outcome.status === 'failed') this.fail(place, outcome.code, outcome.reason);
    else this.counts[outcome.status] += 1;
  }

  /** True when an own indicator was created, changed or revoked (the exporter has work). */
  get changed(): boolean {
    return this.counts.created + this.counts.updated + this.counts.revoked > 0;
  }
}

/**
 * Collects mapped objects into batches of distinct ids and distinct values (a repeat closes the
 * batch, so a later version of an object sees the earlier one) and applies them in the session.
 */
export class ImportBatcher {
  private pending: { obj: ImportObject; place: ObjectPlace; key: string | null }[] = [];
  private readonly refs = new Set<string>();
  private readonly keys = new Set<string>();

  constructor(
    private readonly session: ImportSession,
    private readonly report: ImportReport,
    private readonly defaultRegion: string,
  ) {}

  /**
   * Validates a raw indicator input with the one indicator schema (as POST /indicators does) and
   * queues it; a validation failure is reported with the first problem's code.
   */
  async add(place: ObjectPlace, refId: string, modified: string, revoked: boolean, raw: unknown, context: string | null = null): Promise<void> {
    const parsed = parseIndicatorInput(raw, { defaultRegion: this.defaultRegion });
    if (!parsed.ok) {
      const first = parsed.errors[0]!;
      this.report.fail(place, first.code, parsed.errors.map((e) => `${e.path.join('.') || '(item)'}: ${e.message}`).join('; '));
      return;
    }
    const key = revoked ? null : naturalKey(parsed.indicator);
    if (this.refs.has(refId) || (key !== null && this.keys.has(key))) await this.flush();
    this.pending.push({ obj: { refId, modified, revoked, input: parsed.indicator, context }, place, key });
    this.refs.add(refId);
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
    const outcomes = await this.session.apply(batch.map((p) => p.obj));
    outcomes.forEach((outcome, i) => this.report.record(batch[i]!.place, outcome));
  }
}
