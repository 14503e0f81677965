import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { nearMatchQuery } from '@palermo/indicators';
import { openStore } from '@palermo/store';
import { createTestDatabase } from '@palermo/testing';
import { connectDb, type Db } from '../import/bench.db';
import { loadHashes, PLANTED_DISTANCES, scanWords, type HashSet } from './nearmatch.load';

/**
 * Near-match index benchmark (not a test): BENCH_HASHES random PDQ hashes (default 1,000,000) plus
 * neighbours planted around BENCH_QUERIES query hashes (default 200) are stored as image-hash
 * indicators in a fresh PostgreSQL test database (through the migrations and triggers a node runs),
 * then each query hash is looked up at PDQ's threshold of 31 through the index
 * (`store.nearMatches.nearest`) and, in the same run, by brute force: a SQL scan computing
 * bit_count of the xor on every row (BENCH_SCANS queries, default 20: each reads every row) and a
 * scan of all hashes held in memory (JS, 8 popcounts per hash). Every answer is checked against the
 * planted distances and the brute force. BENCH_KEEP=1 keeps the database. Run: `npm run build && node dist/tests/bench/nearmatch/nearmatch.bench.js`.
 */

const RANDOM = Number(process.env.BENCH_HASHES ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const SCANS = Math.min(Number(process.env.BENCH_SCANS ?? 20), QUERIES);
const THRESHOLD = 31;
// BENCH_KEEP=1 leaves the database behind (its name is printed) to look at plans with psql; drop it by hand.
const KEEP = process.env.BENCH_KEEP === '1';

const started = performance.now();
const progress = (what: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${what}\n`);

interface Timing {
  name: string;
  ms: number[];
}

const percentile = (ms: number[], p: number) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.ceil(ms.length * p) - 1)];

async function timed<T>(into: number[], work: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const result = await work();
  into.push(performance.now() - t0);
  return result;
}

const BRUTE_FORCE_SQL = `
  select origin_id from (
    select origin_id, bit_count(('x' || substr(value, 5))::bit(256) # $1::text::bit(256)) as d
    from indicator where type = 'image-hash' and value like 'pdq:%') s
  where d <= $2`;

async function sizes(db: Db): Promise<string> {
  const { rows } = await db.query<{ name: string; rows: string; mb: string }>(`
    select c.relname as name, c.reltuples::bigint::text as rows, round(pg_total_relation_size(c.oid) / 1048576.0)::text as mb
    from pg_class c where c.relname in ('indicator', 'image_hash_chunk')`);
  return rows.map((r) => `${r.name}: ~${Number(r.rows).toLocaleString('en-US')} rows, ${r.mb} MB with indexes`).join('; ');
}

async function measure(store: Awaited<ReturnType<typeof openStore>>, db: Db, set: HashSet) {
  const index: Timing = { name: 'index (store.nearMatches.nearest, t=31)', ms: [] };
  const sql: Timing = { name: 'brute force: SQL scan, bit_count of xor', ms: [] };
  const js: Timing = { name: 'brute force: JS scan of hashes in memory', ms: [] };
  const candidates: number[] = [];
  for (const q of set.queries.slice(0, 5)) await store.nearMatches.nearest(q.value, THRESHOLD, 1000); // warm the cache
  for (const [i, q] of set.queries.entries()) {
    const answer = await timed(index.ms, () => store.nearMatches.nearest(q.value, THRESHOLD, 1000));
    const expected = PLANTED_DISTANCES.filter((d) => d <= THRESHOLD);
    const got = answer.matches.map((m) => m.distance);
    if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`query ${i}: index found distances ${got}, planted ${expected}`);
    const inMemory = await timed(js.ms, () => scanWords(set, q.value, THRESHOLD));
    if (inMemory.length !== got.length) throw new Error(`query ${i}: JS scan found ${inMemory.length}, index ${got.length}`);
    if (i < SCANS) {
      const { rows } = await timed(sql.ms, () => db.query<{ origin_id: string }>(BRUTE_FORCE_SQL, [`x${q.value.slice(4)}`, THRESHOLD]));
      const ids = (xs: string[]) => JSON.stringify([...xs].sort());
      if (ids(rows.map((r) => r.origin_id)) !== ids(answer.matches.map((m) => m.id))) throw new Error(`query ${i}: SQL scan and index disagree`);
      const keys = `{${nearMatchQuery(q.value, THRESHOLD).keys.join(',')}}`;
      const counted = await db.query<{ n: string }>(
        `select count(distinct indicator_pk)::text as n from image_hash_chunk where algorithm = 'pdq' and chunk = any($1::text::integer[])`,
        [keys],
      );
      candidates.push(Number(counted.rows[0].n));
    }
    if ((i + 1) % 50 === 0) progress(`${i + 1}/${set.queries.length} queries`);
  }
  return { timings: [index, sql, js], candidates };
}

function report(timings: Timing[], lines: string[]): string {
  const [index] = timings;
  const p50i = percentile(index.ms, 0.5);
  const p99i = percentile(index.ms, 0.99);
  const rows = timings.map((t) => {
    const [p50, p99] = [percentile(t.ms, 0.5), percentile(t.ms, 0.99)];
    return `| ${t.name.padEnd(42)} | ${String(t.ms.length).padStart(7)} | ${p50.toFixed(2).padStart(9)} | ${p99.toFixed(2).padStart(9)} | ${(p50 / p50i).toFixed(1).padStart(9)}× | ${(p99 / p99i).toFixed(1).padStart(9)}× |`;
  });
  return [
    ...lines,
    '',
    `| ${'query path'.padEnd(42)} | queries |    p50 ms |    p99 ms | p50 / index | p99 / index |`,
    `|${'-'.repeat(44)}|--------:|----------:|----------:|-----------:|-----------:|`,
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_nearmatch');
  const store = await openStore({ databaseUrl: database.url });
  const db = await connectDb(database.url);
  try {
    const pg = (await db.query<{ server_version: string }>('show server_version')).rows[0].server_version;
    const environment = `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}; PostgreSQL ${pg}`;
    progress(`storing ${RANDOM.toLocaleString('en-US')} random PDQ hashes + ${QUERIES} × ${PLANTED_DISTANCES.length} planted in ${database.name}`);
    const t0 = performance.now();
    const set = await loadHashes(db, RANDOM, QUERIES, (n) => n % 200_000 === 0 && progress(`${n.toLocaleString('en-US')} stored`));
    const loadS = (performance.now() - t0) / 1000;
    await db.query('vacuum analyze indicator');
    await db.query('vacuum analyze image_hash_chunk');
    progress(`stored ${set.count.toLocaleString('en-US')} in ${loadS.toFixed(1)} s; querying`);
    const { timings, candidates } = await measure(store, db, set);
    const meanCandidates = candidates.reduce((a, b) => a + b, 0) / Math.max(candidates.length, 1);
    const indexed = await store.nearMatches.indexedCounts();
    console.log(
      report(timings, [
        environment,
        `stored: ${set.count.toLocaleString('en-US')} PDQ hashes (${indexed.pdq.toLocaleString('en-US')} indexed) in ${loadS.toFixed(1)} s through COPY + triggers (${Math.round(set.count / loadS).toLocaleString('en-US')}/s)`,
        `sizes: ${await sizes(db)}`,
        `queries: ${QUERIES} hashes, each with neighbours planted at ${PLANTED_DISTANCES.join(', ')} bits; threshold ${THRESHOLD}; every answer = the planted ≤ ${THRESHOLD} = the brute force`,
        `index: ${nearMatchQuery(set.queries[0].value, THRESHOLD).keys.length} chunk keys per query, ${Math.round(meanCandidates).toLocaleString('en-US')} candidates verified on average (${((100 * meanCandidates) / set.count).toFixed(2)} % of the hashes)`,
      ]),
    );
  } finally {
    await db.end();
    await store.close();
    if (KEEP) progress(`kept ${database.name}`);
    else await database.drop();
  }
  progress('done');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
