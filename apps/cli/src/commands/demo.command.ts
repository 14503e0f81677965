import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NodeProcess, repoRoot, startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { agree, type AgreementParty } from '../agreements.setup';
import { initNode } from './init.command';
import { createToken } from './tokens.command';
import { DEMO_AGREEMENTS, DEMO_INDICATORS, DEMO_NODES } from './demo.data';
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
      const node = await initNode({ nodeId: spec.nodeId, jurisdiction: spec.jurisdiction, dataDir, natsUrl, policyText: spec.policy ? samplePolicy(spec.policy) : undefined });
      made.push({ ...node, tokens: await tokensFor(dataDir) });
      log(`initialized ${spec.nodeId} (${spec.jurisdiction}) key ${node.fingerprint}`);
    }
    await pinAll(made);
    const basePort = Number(opts.basePort);
    for (const [i, node] of made.entries()) {
      nodes.push(await NodeProcess.start({ nodeId: node.nodeId, dataDir: node.dataDir, env: { NATS_URL: natsUrl, PORT: String(basePort ? basePort + i : 0) } }));
    }
    log(`nodes running: ${nodes.map((n) => `${n.nodeId} ${n.url}`).join(', ')}`);
    await makeAgreements(nodes, made);
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

/** Each side's officer drafts its agreements and a second officer approves them (four-eyes). */
async function makeAgreements(nodes: NodeProcess[], made: { nodeId: string; tokens: Record<string, string> }[]): Promise<void> {
  const party = (nodeId: string): AgreementParty => {
    const i = made.findIndex((m) => m.nodeId === nodeId);
    return { nodeId, url: nodes[i].url, officers: [made[i].tokens['policy-officer'], made[i].tokens['policy-officer-2']] };
  };
  for (const { from, partner, terms } of DEMO_AGREEMENTS) {
    const agreed = await agree(party(from), partner, terms as Parameters<typeof agree>[2]);
    log(`agreement ${from} → ${partner} ${agreed.state}${Object.keys(terms).length ? ` (${JSON.stringify(terms)})` : ''}`);
  }
}

/** A sample jurisdiction policy from deploy/policies (the demo runs from the repository). */
function samplePolicy(name: string): string {
  const path = join(repoRoot(), 'deploy', 'policies', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: the demo runs from a Palermo checkout`);
  return readFileSync(path, 'utf8');
}

async function natsFor(root: string): Promise<NatsServerHandle | undefined> {
  if (process.env.NATS_URL) return undefined;
  return startNatsServer({ storeDir: join(root, 'nats') });
}

async function tokensFor(dataDir: string) {
  return {
    analyst: await createToken({ dataDir }, 'analyst', 'demo analyst'),
    'policy-officer': await createToken({ dataDir }, 'policy-officer', 'demo policy officer'),
    // Four-eyes: agreements need a second officer to approve them.
    'policy-officer-2': await createToken({ dataDir }, 'policy-officer', 'demo second policy officer'),
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
