import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NodeProcess, startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { initNode } from './init.command';
import { createToken } from './tokens.command';
import { DEMO_INDICATORS, DEMO_NODES } from './demo.data';
import { publishAndReport } from './demo.report';
import { pinAll } from './partners.command';

interface DemoOptions {
  dataDir: string;
  basePort: string;
  once?: boolean;
}

/** `palermo demo`: three nodes on embedded PGlite with a local nats-server, a sample feed, a report. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run nl-police, de-bka and us-hsi locally, publish sample indicators on nl-police, report what each partner kept and why')
    .option('--data-dir <dir>', 'where the demo nodes live (wiped at start)', '.data/demo')
    .option('--base-port <port>', 'first HTTP port (three are used; 0 = any free ports)', '0')
    .option('--once', 'print the report and stop instead of running until Ctrl-C')
    .action(async (opts: DemoOptions) => runDemo(opts));
}

async function runDemo(opts: DemoOptions): Promise<void> {
  const root = resolve(opts.dataDir);
  rmSync(root, { recursive: true, force: true });
  const nats = await natsFor(root);
  const nodes: NodeProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await nats?.stop();
  };
  try {
    const natsUrl = process.env.NATS_URL ?? nats!.url;
    log(`NATS ${natsUrl}${nats ? ' (local nats-server started for the demo)' : ''}`);
    const made = [];
    for (const spec of DEMO_NODES) {
      const dataDir = join(root, spec.nodeId);
      // Each demo node shares beyond the community chain with the other two (its sharing agreements).
      const others = DEMO_NODES.filter((n) => n !== spec).map((n) => n.nodeId);
      const node = await initNode({ nodeId: spec.nodeId, jurisdiction: spec.jurisdiction, dataDir, natsUrl, import: spec.import, export: { partners: others } });
      made.push({ ...node, tokens: await tokensFor(dataDir) });
      log(`initialized ${spec.nodeId} (${spec.jurisdiction}) key ${node.fingerprint}`);
    }
    await pinAll(made);
    const basePort = Number(opts.basePort);
    for (const [i, node] of made.entries()) {
      nodes.push(await NodeProcess.start({ nodeId: node.nodeId, dataDir: node.dataDir, env: { NATS_URL: natsUrl, PORT: String(basePort ? basePort + i : 0) } }));
    }
    log(`nodes running: ${nodes.map((n) => `${n.nodeId} ${n.url}`).join(', ')}`);
    await publishAndReport(nodes, made, DEMO_INDICATORS, process.stdout);
    printAccess(nodes, made);
    if (opts.once) return;
    log('nodes keep running; press Ctrl-C to stop');
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
  } finally {
    await stop();
  }
}

async function natsFor(root: string): Promise<NatsServerHandle | undefined> {
  if (process.env.NATS_URL) return undefined;
  return startNatsServer({ storeDir: join(root, 'nats') });
}

async function tokensFor(dataDir: string) {
  return {
    analyst: await createToken({ dataDir }, 'analyst', 'demo analyst'),
    'policy-officer': await createToken({ dataDir }, 'policy-officer', 'demo policy officer'),
    auditor: await createToken({ dataDir }, 'auditor', 'demo auditor'),
    admin: await createToken({ dataDir }, 'admin', 'demo admin'),
  };
}

function printAccess(nodes: NodeProcess[], made: { nodeId: string; tokens: Record<string, string> }[]): void {
  process.stdout.write('\nNodes (OpenAPI at <url>/api/docs; send Authorization: Bearer <token>):\n');
  for (const [i, node] of nodes.entries()) {
    process.stdout.write(`  ${node.nodeId.padEnd(10)} ${node.url}\n`);
    for (const [role, token] of Object.entries(made[i].tokens)) process.stdout.write(`    ${role.padEnd(15)} ${token}\n`);
  }
}

function log(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}
