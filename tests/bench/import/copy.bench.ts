import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { tempDir } from '@palermo/testing';
import { connectDb, copyIn, type Db } from './bench.db';
import {
  DECISION_COPY_COLUMNS,
  ENTRIES_PER_BUNDLE,
  INDICATOR_COPY_COLUMNS,
  decisionCopyLines,
  indicatorCopyLines,
  type CopyContext,
} from './indicator.generator';

/** The raw-COPY floor: how fast this PostgreSQL takes the same rows with no application in between. */
export interface CopyResult {
  rows: number;
  /** COPY of the indicator rows into a table shaped like B's `indicator` (same columns, constraints, indexes). */
  indicatorMs: number;
  /** COPY of one decision row per indicator into a table shaped like `import_decision`. */
  decisionMs: number;
  /** Time to generate the COPY text into files first (outside the timed COPY windows). */
  generateMs: number;
  /** Bytes of COPY text sent. */
  bytes: number;
}

const COPY_INDICATOR_TABLE = 'bench_copy_indicator';
const COPY_DECISION_TABLE = 'bench_copy_decision';

type LineMaker = (start: number, size: number, ctx: CopyContext) => string;

/** Writes COPY text for `total` rows into `file`, one batch at a time (never all rows in memory). */
async function writeCopyFile(file: string, total: number, batch: number, make: LineMaker, ctx: CopyContext): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  for (let start = 0; start < total; start += batch) {
    const text = make(start, Math.min(batch, total - start), ctx);
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  return bytes;
}

/** One timed COPY … FROM STDIN streaming `file`; checks the row count. */
async function copyFile(client: Db, sql: string, file: string, total: number): Promise<number> {
  const t0 = performance.now();
  const stream = copyIn(client, sql);
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), stream);
  const ms = performance.now() - t0;
  if (stream.rowCount !== total) throw new Error(`COPY wrote ${stream.rowCount} rows, expected ${total}`);
  return ms;
}

function copyContext(originNode: string): CopyContext {
  const hashes = new Map<number, string>();
  return {
    originNode,
    now: new Date().toISOString(),
    bundleHash: (i) => {
      const n = Math.floor(i / ENTRIES_PER_BUNDLE);
      if (!hashes.has(n)) hashes.set(n, createHash('sha256').update(`bench-bundle-${n}`).digest('hex'));
      return hashes.get(n)!;
    },
  };
}

/**
 * COPYs `total` generated rows into copies of B's `indicator` and `import_decision` tables, in B's
 * own database (so the same server, settings and disk), then drops the copies. The COPY text is
 * generated into temp files first, so the timed windows hold PostgreSQL's work and the socket only.
 */
export async function benchCopy(databaseUrl: string, total: number, batch: number, originNode: string): Promise<CopyResult> {
  const dir = tempDir('palermo-bench-copy-');
  const [indFile, decFile] = [join(dir, 'indicator.copy'), join(dir, 'decision.copy')];
  const ctx = copyContext(originNode);
  const g0 = performance.now();
  const bytes = (await writeCopyFile(indFile, total, batch, indicatorCopyLines, ctx)) + (await writeCopyFile(decFile, total, batch, decisionCopyLines, ctx));
  const generateMs = performance.now() - g0;
  const client = await connectDb(databaseUrl);
  try {
    await client.query(`create table ${COPY_INDICATOR_TABLE} (like indicator including all)`);
    await client.query(`create table ${COPY_DECISION_TABLE} (like import_decision including all)`);
    const indicatorMs = await copyFile(client, `copy ${COPY_INDICATOR_TABLE} (${INDICATOR_COPY_COLUMNS.join(', ')}) from stdin`, indFile, total);
    const decisionMs = await copyFile(client, `copy ${COPY_DECISION_TABLE} (${DECISION_COPY_COLUMNS.join(', ')}) from stdin`, decFile, total);
    return { rows: total, indicatorMs, decisionMs, generateMs, bytes };
  } finally {
    await client.query(`drop table if exists ${COPY_INDICATOR_TABLE}, ${COPY_DECISION_TABLE}`).catch(() => undefined);
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
