import { performance } from 'node:perf_hooks';
import { feedStreamName } from '@palermo/federation';
import type { TestNode } from '../../e2e/support/federation.harness';
import { connectDb } from './bench.db';
import { consumerStats, type ConsumerStats } from './consumer.stats';
import { NodeSampler, type NodeCost } from './node.sampler';
import { findNodePid } from './process.probe';
import { startProfiler, stopProfiler, type ProfileSplit } from './profile.split';

/** The importer alone: a node that reads the whole backlog from the stream, with no publisher to wait for. */
export interface CatchUpResult {
  /** Indicators imported inside the timed window (the few imported while the node was still booting are left out). */
  indicators: number;
  ms: number;
  cost: NodeCost;
  profile?: ProfileSplit;
  /** The node's durable consumers on the publisher's stream afterwards. */
  consumers: ConsumerStats[];
}

/** Whose backlog, and where to look. */
export interface CatchUpPlan {
  publisher: string;
  total: number;
  timeoutMs: number;
  natsMonitorUrl: string;
  profileDir?: string;
}

const POLL_MS = 200;
const KEPT_SQL = `select coalesce(sum(accepted_count + pseudonymized_count), 0)::int as n from bundle where direction = 'in'`;

/**
 * Starts `node` (stopped right after boot, so it missed the whole run) and times it until it kept
 * `total` indicators from the backlog on its durable consumers: the importer's own throughput.
 */
export async function runCatchUp(node: TestNode, plan: CatchUpPlan): Promise<CatchUpResult> {
  const { total, timeoutMs, profileDir } = plan;
  await node.process.restart();
  const db = await connectDb(node.database!.url);
  try {
    const pid = node.process.pid ?? findNodePid(node.dataDir, node.process.output());
    const sampler = new NodeSampler({ label: node.nodeId, pid, db, dbName: node.database!.name });
    if (profileDir) await startProfiler(pid, profileDir);
    await sampler.start([db]);
    const t0 = performance.now();
    const n0 = (await db.query<{ n: number }>(KEPT_SQL)).rows[0].n;
    for (;;) {
      const n = (await db.query<{ n: number }>(KEPT_SQL)).rows[0].n;
      if (n >= total) break;
      if (performance.now() - t0 > timeoutMs) throw new Error(`${node.nodeId} kept only ${n} of ${total} indicators after ${timeoutMs} ms`);
      await sampler.sample();
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const ms = performance.now() - t0;
    await sampler.stopClock();
    const profile = profileDir ? await stopProfiler(pid, profileDir) : undefined;
    const consumers = await consumerStats(plan.natsMonitorUrl, feedStreamName(plan.publisher), `${node.nodeId}_`);
    return { indicators: total - n0, ms, cost: await sampler.finish(), profile, consumers };
  } finally {
    await db.end();
  }
}
