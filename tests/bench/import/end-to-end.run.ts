import { performance } from 'node:perf_hooks';
import { feedStreamName } from '@palermo/federation';
import type { TestNode } from '../../e2e/support/federation.harness';
import { connectDb, type Db } from './bench.db';
import { consumerStats, type ConsumerStats } from './consumer.stats';
import { postBody } from './indicator.generator';
import { NodeSampler, type NodeCost } from './node.sampler';
import { cpuSeconds, findNodePid } from './process.probe';
import { startProfiler, stopProfiler, type ProfileSplit } from './profile.split';

/** How many indicators, in POSTs of how many, and how long to wait at most. */
export interface EndToEndPlan {
  total: number;
  batch: number;
  timeoutMs: number;
}

/** Milestones of one run, in ms after the first POST started. */
export interface Timeline {
  postsDoneMs: number;
  firstBundleStoredMs: number;
  firstBundlePublishedMs: number;
  lastBundlePublishedMs: number;
  firstImportReceivedMs: number;
  firstImportCommittedMs: number;
  lastImportReceivedMs: number;
  allImportedMs: number;
}

/** Everything measured on the two nodes. */
export interface EndToEndResult {
  imported: number;
  bundles: number;
  bundleBytes: number;
  timeline: Timeline;
  publisher: NodeCost;
  importer: NodeCost;
  natsCpuS: number;
  importerLog: { imported: number; warnings: string[]; streamNotFound: number };
  /** CPU profiles of the window, when the nodes were started with profilerEnv(). */
  profiles?: { publisher: ProfileSplit; importer: ProfileSplit };
  /** B's durable consumers on A's stream after the run. */
  consumers: ConsumerStats[];
}

/** Profile directories of A and B (see profilerEnv), or undefined for an unprofiled run. */
export type ProfileDirs = { a: string; b: string } | undefined;

/** Where to look besides the two nodes. */
export interface EndToEndProbes {
  natsPid?: number;
  natsMonitorUrl: string;
  profileDirs?: ProfileDirs;
}

const POLL_MS = 250;
// Cheap: the bundle table holds ~50 rows; accepted_count commits in the same transaction as the rows.
const KEPT_SQL = `select coalesce(sum(accepted_count + pseudonymized_count), 0)::int as n from bundle where direction = 'in'`;

async function connect(node: TestNode): Promise<Db> {
  if (!node.database) throw new Error(`${node.nodeId} runs without PostgreSQL`);
  return connectDb(node.database.url);
}

/** Posts `plan.total` indicators to A in POSTs of `plan.batch`, generated one batch at a time. */
async function postAll(a: TestNode, plan: EndToEndPlan, t0: number): Promise<number> {
  for (let start = 0; start < plan.total; start += plan.batch) {
    const res = await a.api('POST', '/indicators', { body: postBody(start, Math.min(plan.batch, plan.total - start)) });
    if (res.status !== 201 && res.status !== 200) throw new Error(`POST /indicators #${start / plan.batch + 1}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  return performance.now() - t0;
}

/** Polls B until it kept `total` indicators; samples CPU meanwhile. Returns ms after t0 for first and last. */
async function waitImported(b: Db, plan: EndToEndPlan, t0: number, samplers: NodeSampler[], natsPid?: number) {
  let first: number | undefined;
  const natsCpu0 = natsPid ? cpuSeconds(natsPid) : 0;
  for (;;) {
    const { rows } = await b.query<{ n: number }>(KEPT_SQL);
    const now = performance.now() - t0;
    if (rows[0].n > 0 && first === undefined) first = now;
    if (rows[0].n >= plan.total) {
      return { firstMs: first ?? now, allMs: now, natsCpuS: natsPid ? cpuSeconds(natsPid) - natsCpu0 : 0 };
    }
    if (now > plan.timeoutMs) throw new Error(`only ${rows[0].n} of ${plan.total} indicators imported after ${Math.round(now)} ms`);
    await Promise.all(samplers.map((s) => s.sample()));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function epochMs(db: Db, sql: string): Promise<Record<string, number>> {
  const { rows } = await db.query(sql);
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
}

/** Bundle milestones from both databases (same machine, same clock as the bench). */
async function readTimeline(aDb: Db, bDb: Db, wall0: number): Promise<{ bundles: number; bundleBytes: number; milestones: Omit<Timeline, 'postsDoneMs' | 'firstImportCommittedMs' | 'allImportedMs'> }> {
  const out = await epochMs(
    aDb,
    `select count(*) as n, coalesce(sum(length(bytes)), 0) as bytes, extract(epoch from min(stored_at)) * 1000 as first_stored,
       extract(epoch from min(published_at)) * 1000 as first_published, extract(epoch from max(published_at)) * 1000 as last_published
     from bundle where direction = 'out'`,
  );
  const inb = await epochMs(
    bDb,
    `select extract(epoch from min(received_at)) * 1000 as first_received, extract(epoch from max(received_at)) * 1000 as last_received
     from bundle where direction = 'in'`,
  );
  return {
    bundles: out.n,
    bundleBytes: out.bytes,
    milestones: {
      firstBundleStoredMs: out.first_stored - wall0,
      firstBundlePublishedMs: out.first_published - wall0,
      lastBundlePublishedMs: out.last_published - wall0,
      firstImportReceivedMs: inb.first_received - wall0,
      lastImportReceivedMs: inb.last_received - wall0,
    },
  };
}

function scanLog(log: string): { imported: number; warnings: string[]; streamNotFound: number } {
  // Nest colours its output when it thinks it may: strip the escapes before matching.
  const lines = log.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const warnings = lines.filter((l) => /\b(WARN|ERROR)\b/.test(l));
  // Expected at boot: B also follows C, which never publishes, so C's stream never exists.
  const streamNotFound = warnings.filter((l) => /StreamNotFoundError/.test(l));
  return {
    imported: lines.filter((l) => /ImportService\].*\bimported\b/.test(l)).length,
    warnings: warnings.filter((l) => !streamNotFound.includes(l)).slice(0, 10),
    streamNotFound: streamNotFound.length,
  };
}

/**
 * The headline run: 10 POSTs of 10,000 on A, timed until B's database holds all of them. A and B
 * are real node processes on their own fresh databases, talking over the spawned nats-server.
 */
export async function runEndToEnd(a: TestNode, b: TestNode, plan: EndToEndPlan, probes: EndToEndProbes): Promise<EndToEndResult> {
  const { natsPid, profileDirs } = probes;
  const [aDb, bDb] = [await connect(a), await connect(b)];
  try {
    const pidOf = (n: typeof a) => n.process.pid ?? findNodePid(n.dataDir, n.process.output());
    const [aPid, bPid] = [pidOf(a), pidOf(b)];
    const aSampler = new NodeSampler({ label: 'A', pid: aPid, db: aDb, dbName: a.database!.name });
    const bSampler = new NodeSampler({ label: 'B', pid: bPid, db: bDb, dbName: b.database!.name });
    if (profileDirs) await Promise.all([startProfiler(aPid, profileDirs.a), startProfiler(bPid, profileDirs.b)]);
    await aSampler.start([aDb, bDb]);
    await bSampler.start([aDb, bDb]);
    const wall0 = Date.now();
    const t0 = performance.now();
    const [postsDoneMs, done] = await Promise.all([postAll(a, plan, t0), waitImported(bDb, plan, t0, [aSampler, bSampler], natsPid)]);
    await Promise.all([aSampler.stopClock(), bSampler.stopClock()]);
    // After the clocks: serializing a profile costs the node CPU and memory that is not the import's.
    const profiles = profileDirs && { publisher: await stopProfiler(aPid, profileDirs.a), importer: await stopProfiler(bPid, profileDirs.b) };
    const [publisher, importer] = [await aSampler.finish(), await bSampler.finish()];
    const stored = await bDb.query<{ n: number }>('select count(*)::int as n from indicator where not own');
    const t = await readTimeline(aDb, bDb, wall0);
    return {
      imported: stored.rows[0].n,
      bundles: t.bundles,
      bundleBytes: t.bundleBytes,
      timeline: { ...t.milestones, postsDoneMs, firstImportCommittedMs: done.firstMs, allImportedMs: done.allMs },
      publisher,
      importer,
      natsCpuS: done.natsCpuS,
      importerLog: scanLog(b.process.output()),
      profiles,
      consumers: await consumerStats(probes.natsMonitorUrl, feedStreamName(a.nodeId), `${b.nodeId}_`),
    };
  } finally {
    await aDb.end();
    await bDb.end();
  }
}
