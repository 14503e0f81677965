import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { isNodeId, JURISDICTION_PATTERN, NODE_ID_RULE } from '@palermo/indicators';
import { checkPolicyText } from '@palermo/policy';
import { configFilePath, defaultDataDir, loadNodeConfig } from '../../../node/src/config/node.config';
import { createNodeKeys } from '../../../node/src/keys/node-keys';
import { nodeConfig, UsageError, withStore } from '../node-env';

interface InitOptions {
  nodeId: string;
  jurisdiction: string;
  dataDir?: string;
  natsUrl?: string;
  databaseUrl?: string;
  port?: string;
  /** A Cedar policy file copied into the data dir as the node's first policy version. */
  policy?: string;
  /** Comma-separated ISO codes this node's law treats as adequate. */
  adequacy?: string;
}

/** The name of the seed policy inside a data dir. */
const POLICY_FILE = 'policy.cedar';

/** `palermo init`: a node's config file, OpenPGP key, pseudonym secret and database. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description("create a node: config file, signing key (v4 EdDSA), pseudonym secret, and its database schema")
    .requiredOption('--node-id <id>', 'node id, e.g. nl-police')
    .requiredOption('--jurisdiction <cc>', 'ISO 3166-1 alpha-2, e.g. NL')
    .option('--data-dir <dir>', 'where config and keys live (default .data/<node-id>)')
    .option('--nats-url <url>', 'NATS server URL to record in the config')
    .option('--database-url <url>', 'PostgreSQL URL to record (default: embedded PGlite in the data dir)')
    .option('--port <port>', 'HTTP port to record')
    .option('--policy <file>', 'Cedar policy for the first policy version (default: share what agreements and the baseline allow)')
    .option('--adequacy <codes>', 'jurisdictions this node treats as adequate, e.g. GB,CH')
    .action(async (opts: InitOptions) => {
      const summary = await initNode(opts);
      process.stdout.write(`initialized ${summary.nodeId} (${summary.jurisdiction}) in ${summary.dataDir}\nfingerprint ${summary.fingerprint}\n`);
    });
}

/** Creates a node in a data directory; used by `init` and by `demo`. Writes nothing unless all of it works. */
export async function initNode(opts: InitOptions & { policyText?: string }) {
  const jurisdiction = opts.jurisdiction.toUpperCase();
  checkInitOptions(opts, jurisdiction);
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : process.env.PALERMO_DATA_DIR ? resolve(process.env.PALERMO_DATA_DIR) : defaultDataDir(opts.nodeId);
  const file = configFilePath(dataDir);
  if (existsSync(file)) throw new UsageError(`${file} exists: this data dir already holds a node`);
  const yaml: Record<string, unknown> = { nodeId: opts.nodeId, jurisdiction };
  if (opts.natsUrl) yaml.natsUrl = opts.natsUrl;
  if (opts.databaseUrl) yaml.databaseUrl = opts.databaseUrl;
  if (opts.port) yaml.port = Number(opts.port);
  const policyText = opts.policyText ?? (opts.policy ? readPolicy(opts.policy) : undefined);
  const adequacy = opts.adequacy?.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
  if (policyText !== undefined || adequacy?.length) yaml.policy = { ...(policyText !== undefined ? { file: POLICY_FILE } : {}), ...(adequacy?.length ? { adequacy } : {}) };
  const createdDir = !existsSync(dataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
    if (policyText !== undefined) writeFileSync(join(dataDir, POLICY_FILE), policyText, { mode: 0o600 });
    writeFileSync(file, stringify(yaml), { mode: 0o600 });
    const config = nodeConfig({ dataDir });
    const keys = await createNodeKeys(dataDir, opts.nodeId, jurisdiction);
    await withStore(config, (store) => store.keys.saveKey({ nodeId: opts.nodeId, fingerprint: keys.fingerprint, armoredPublicKey: keys.armoredPublicKey }));
    return { nodeId: opts.nodeId, jurisdiction, dataDir, fingerprint: keys.fingerprint, armoredPublicKey: keys.armoredPublicKey };
  } catch (err) {
    // Leave the directory as it was, so the operator can simply re-run init with the mistake fixed.
    rmSync(file, { force: true });
    if (policyText !== undefined) rmSync(join(dataDir, POLICY_FILE), { force: true });
    rmSync(join(dataDir, 'keys'), { recursive: true, force: true });
    if (createdDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

function readPolicy(path: string): string {
  if (!existsSync(path)) throw new UsageError(`--policy ${path}: no such file`);
  const text = readFileSync(path, 'utf8');
  const problems = checkPolicyText(text);
  if (problems.length > 0) throw new UsageError(`--policy ${path}:${problems[0].line}:${problems[0].column}: ${problems[0].message} (palermo policy validate shows every problem)`);
  return text;
}

function checkInitOptions(opts: InitOptions, jurisdiction: string): void {
  if (!isNodeId(opts.nodeId)) throw new UsageError(`--node-id ${opts.nodeId}: ${NODE_ID_RULE}`);
  if (!JURISDICTION_PATTERN.test(jurisdiction)) throw new UsageError(`--jurisdiction ${opts.jurisdiction}: expected two letters, e.g. NL`);
  if (opts.port !== undefined && !/^\d{1,5}$/.test(opts.port)) throw new UsageError(`--port ${opts.port}: expected a port number`);
  try {
    // Check the values exactly as the node will read them, before anything is written.
    loadNodeConfig({ PALERMO_NODE_ID: opts.nodeId, PALERMO_JURISDICTION: jurisdiction, NATS_URL: opts.natsUrl, DATABASE_URL: opts.databaseUrl, PORT: opts.port, PALERMO_ADEQUACY: opts.adequacy?.toUpperCase() });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^NATS_URL=/, '--nats-url ').replace(/^DATABASE_URL/, '--database-url').replace(/^PORT=/, '--port ').replace(/^PALERMO_ADEQUACY/, '--adequacy'));
  }
}
