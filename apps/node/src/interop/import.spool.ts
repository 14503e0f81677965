import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { parseIndicatorInput } from '@palermo/indicators';
import type { ImportObject } from '@palermo/store';
import type { ImportReport, ObjectPlace } from './import.report';

/** One mapped and validated object waiting in the spool. */
export interface SpooledObject {
  place: ObjectPlace;
  obj: ImportObject;
  /** Origin node of an object taken as own with adopt=true. */
  adoptedFrom?: string;
}

/**
 * An object as the mappers give it: the input is raw until the one indicator schema has read it
 * (a revocation may come without one, e.g. a MISP deletion).
 */
export interface RawObject extends Omit<ImportObject, 'input'> {
  input?: unknown;
  adoptedFrom?: string;
}

/**
 * Mapped objects of one import, kept on disk (NDJSON under os.tmpdir()) while the upload is read,
 * so neither a lock nor a transaction is held for as long as a client takes to send its file, and
 * memory stays bounded however many objects it holds. `dispose()` deletes the file.
 */
export class ImportSpool {
  private size = 0;
  private failure: Error | null = null;

  private constructor(
    private readonly dir: string,
    private readonly out: WriteStream,
    private readonly report: ImportReport,
    private readonly defaultRegion: string,
  ) {
    // Kept, never thrown from an event: a full disk fails this import, not the whole node (and a
    // write still pending when dispose() destroys the stream after a refused file is no crash).
    out.on('error', (error) => (this.failure ??= error));
  }

  /** A new spool in a private temp directory. */
  static async open(report: ImportReport, defaultRegion: string): Promise<ImportSpool> {
    const dir = await mkdtemp(join(tmpdir(), 'palermo-import-'));
    const out = createWriteStream(join(dir, 'objects.ndjson'), { mode: 0o600 });
    return new ImportSpool(dir, out, report, defaultRegion);
  }

  /** Objects spooled so far. */
  get length(): number {
    return this.size;
  }

  /**
   * Validates the raw input with the one indicator schema (as POST /indicators does) and spools it;
   * a validation failure is reported with the first problem's code.
   */
  async add(place: ObjectPlace, raw: RawObject): Promise<void> {
    const { adoptedFrom, input: rawInput, ...rest } = raw;
    const obj: ImportObject = rest;
    if (!(raw.revoked && rawInput === undefined)) {
      const parsed = parseIndicatorInput(rawInput, { defaultRegion: this.defaultRegion });
      if (!parsed.ok) {
        const first = parsed.errors[0]!;
        this.report.fail(place, first.code, parsed.errors.map((e) => `${e.path.join('.') || '(item)'}: ${e.message}`).join('; '));
        return;
      }
      obj.input = parsed.indicator;
    }
    if (this.failure) throw this.failure;
    const entry: SpooledObject = { place, obj, ...(adoptedFrom ? { adoptedFrom } : {}) };
    this.size += 1;
    if (!this.out.write(`${JSON.stringify(entry)}\n`)) await once(this.out, 'drain');
  }

  /** Ends writing; call before `read()`. */
  async close(): Promise<void> {
    if (!this.out.writableFinished) await new Promise<void>((resolve) => this.out.end(() => resolve()));
    if (this.failure) throw this.failure;
  }

  /** The spooled objects in file order, one line at a time. */
  async *read(): AsyncGenerator<SpooledObject> {
    const lines = createInterface({ input: createReadStream(join(this.dir, 'objects.ndjson')), crlfDelay: Infinity });
    for await (const line of lines) if (line !== '') yield JSON.parse(line) as SpooledObject;
  }

  /** Deletes the spool (always, also after a failure). */
  async dispose(): Promise<void> {
    this.out.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}
