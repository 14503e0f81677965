import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { tempDir } from '@palermo/testing';
import { bootFederation, type Federation } from '../../e2e/support/federation.harness';
import { connectDb } from './bench.db';
import { benchParse, benchVerify, loadPublishedBundles } from './bundle-check.bench';
import { runCatchUp } from './catch-up.run';
import { benchCopy } from './copy.bench';
import { runEndToEnd, type ProfileDirs } from './end-to-end.run';
import { benchPolicy } from './policy.bench';
import { assertNormalForm } from './indicator.generator';
import { findNatsPid } from './process.probe';
import { profilerEnv } from './profile.split';
import { renderReport } from './report.table';
import { benchTransport } from './transport.bench';

/**
 * Import benchmark (not a test): 100k indicators POSTed on node A, imported by node B over a spawned
 * nats-server, each node on a fresh PostgreSQL test database; then a third node C, stopped during
 * that run, imports the same backlog alone; then, in the same run and on the same servers, the
 * floors it is compared with (raw COPY, raw JetStream, raw openpgp verify) and the import policy's
 * own cost on the same bundles (Cedar, cached by equivalence class).
 * Run: `npm run bench:import`. BENCH_INDICATORS overrides the count (multiples of 10,000);
 * BENCH_PROFILE=0 skips the CPU profiles of the two nodes; BENCH_PROFILE_DIR=<dir> keeps them
 * (<dir>/a/node.cpuprofile, <dir>/b/node.cpuprofile: open in Chrome DevTools or speedscope).
 */

const TOTAL = Number(process.env.BENCH_INDICATORS ?? 100_000);
const BATCH = 10_000; // the API's limit per POST
const E2E_TIMEOUT_MS = 240_000;
const CATCH_UP_TIMEOUT_MS = 150_000;
const IMPORT_MAX_BYTES = 1024 * 1024; // the node's default PALERMO_IMPORT_MAX_BYTES
const PROFILE = process.env.BENCH_PROFILE !== '0';

// The federation classes used in-process log through Nest; keep stdout for the report.
Logger.overrideLogger(['error', 'warn']);

const started = performance.now();
const progress = (what: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${what}\n`);

async function describeEnvironment(databaseUrl: string): Promise<string[]> {
  const client = await connectDb(databaseUrl);
  const pg = (await client.query<{ server_version: string }>('show server_version')).rows[0].server_version;
  await client.end();
  const nats = execFileSync(process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server', ['--version']).toString().trim();
  return [
    `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}; PostgreSQL ${pg}; ${nats}`,
  ];
}

/** The two node phases: end to end (A → B), then the importer alone (C on the backlog). */
async function measureNodes(fed: Federation, profileDirs: ProfileDirs, catchUpProfile?: string) {
  const [a, b, c] = [fed.node('bench-a'), fed.node('bench-b'), fed.node('bench-c')];
  // C misses the whole run and later imports the backlog alone: the importer's own throughput.
  await c.process.stop();
  progress(`federation up (A ${a.url}, B ${b.url}, NATS ${fed.nats.url}); posting ${TOTAL} indicators`);
  const natsMonitorUrl = fed.nats.monitorUrl;
  const plan = { total: TOTAL, batch: BATCH, timeoutMs: E2E_TIMEOUT_MS };
  const e2e = await runEndToEnd(a, b, plan, { natsPid: findNatsPid(fed.nats.port), natsMonitorUrl, profileDirs });
  if (e2e.imported !== TOTAL) throw new Error(`B kept ${e2e.imported} indicators, expected ${TOTAL}`);
  progress(`end to end done in ${(e2e.timeline.allImportedMs / 1000).toFixed(1)} s; importer alone: bench-c catches up on the backlog`);
  // Everything after this runs on a quieter machine: the nodes go, their databases and the nats-server stay.
  await b.process.stop();
  await a.process.stop();
  const catchUp = await runCatchUp(c, { publisher: a.nodeId, total: TOTAL, timeoutMs: CATCH_UP_TIMEOUT_MS, natsMonitorUrl, profileDir: catchUpProfile });
  await c.process.stop();
  return { e2e, catchUp };
}

/** The floors, on the same servers and the bundles A published: JetStream, openpgp, parse, COPY. */
async function measureFloors(fed: Federation) {
  const [a, b] = [fed.node('bench-a'), fed.node('bench-b')];
  // A writes one chain per partner (bench-b, bench-c) with the same content: measure B's.
  const bundles = await loadPublishedBundles(a.database!.url, b.nodeId);
  progress(`${bundles.length} bundles loaded; JetStream publish+consume`);
  const transport = await benchTransport(fed.nats.url, bundles, 120_000);
  progress('openpgp verify, parse');
  const verify = await benchVerify(bundles, a.armoredPublicKey);
  const parse = benchParse(bundles, IMPORT_MAX_BYTES);
  progress('import policy (Cedar)');
  const policy = benchPolicy(bundles, IMPORT_MAX_BYTES);
  progress('raw COPY');
  const copy = await benchCopy(b.database!.url, TOTAL, BATCH, a.nodeId);
  return { transport, verify, parse, policy, copy };
}

async function main(): Promise<void> {
  if (!Number.isInteger(TOTAL) || TOTAL < BATCH || TOTAL % BATCH !== 0) throw new Error(`BENCH_INDICATORS must be a multiple of ${BATCH}`);
  assertNormalForm([...Array(18).keys(), TOTAL - 1]);
  progress('booting bench-a (publisher), bench-b (importer) and bench-c (importer, later) on fresh PostgreSQL databases');
  const keepProfiles = process.env.BENCH_PROFILE_DIR;
  const profileRoot = PROFILE ? (keepProfiles ?? tempDir('palermo-bench-profile-')) : undefined;
  const profileDirs: ProfileDirs = profileRoot ? { a: join(profileRoot, 'a'), b: join(profileRoot, 'b') } : undefined;
  const catchUpProfile = profileRoot ? join(profileRoot, 'c') : undefined;
  const fed = await bootFederation([
    { nodeId: 'bench-a', jurisdiction: 'NL', env: profileDirs && profilerEnv(profileDirs.a) },
    { nodeId: 'bench-b', jurisdiction: 'DE', env: profileDirs && profilerEnv(profileDirs.b) },
    { nodeId: 'bench-c', jurisdiction: 'BE', env: catchUpProfile ? profilerEnv(catchUpProfile) : undefined },
  ]);
  const stop = () => void fed.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    const environment = await describeEnvironment(fed.node('bench-b').database!.url);
    const nodes = await measureNodes(fed, profileDirs, catchUpProfile);
    const floors = await measureFloors(fed);
    const wallS = (performance.now() - started) / 1000;
    process.stdout.write(`\n${renderReport({ environment, total: TOTAL, batch: BATCH, ...nodes, ...floors, wallS })}\n`);
  } finally {
    process.off('SIGINT', stop);
    progress('stopping nats-server, dropping the test databases');
    await fed.stop();
    if (profileRoot && !keepProfiles) rmSync(profileRoot, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
