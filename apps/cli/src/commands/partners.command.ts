import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { makePartnerCard, verifyPartnerCard } from '@palermo/bundles';
import { nodeSubjects } from '@palermo/federation';
import { DomainError, isNodeId, JURISDICTION_PATTERN, NODE_ID_RULE } from '@palermo/indicators';
import { loadNodeKeys } from '../../../node/src/keys/node-keys';
import { pinPartner, pinPartnerFromCard } from '../../../node/src/node/partner.pinning';
import { nodeConfig, UsageError, withStore, type NodeDirOptions } from '../node-env';
import { registerPartnersResync } from './partners-resync.command';

interface AddOptions extends NodeDirOptions {
  nodeId?: string;
  jurisdiction?: string;
  key?: string;
  card?: string;
  fingerprint?: string;
}

/** `palermo partners add|list`: pin partner keys while the node is stopped (PGlite is single-process). */
export function registerPartners(program: Command): void {
  // `palermo partner card` / `palermo partner add CARD` as issue 4 spells them: the singular is an alias.
  const partners = program.command('partners').alias('partner').description("partners and their pinned keys");
  partners
    .command('card')
    .description("print this node's signed partner card (give it to partners; they confirm its fingerprint with you out of band)")
    .option('--valid-days <n>', 'how long the card is valid (1–1095 days)', '365')
    .option('--data-dir <dir>', "this node's data dir")
    .action(async (opts: NodeDirOptions & { validDays: string }) => {
      const days = Number(opts.validDays);
      if (!Number.isInteger(days) || days < 1 || days > 1095) throw new UsageError(`--valid-days ${opts.validDays}: expected 1 to 1095`);
      const config = nodeConfig(opts);
      const keys = await loadNodeKeys(config.dataDir);
      const card = await makePartnerCard({ nodeId: config.nodeId, jurisdiction: config.jurisdiction, privateKey: keys.privateKey, armoredPublicKey: keys.armoredPublicKey, subjects: nodeSubjects, validDays: days });
      process.stderr.write(`fingerprint ${card.card.fingerprint}\n`);
      process.stdout.write(`${JSON.stringify(card, null, 2)}\n`);
    });
  partners
    .command('add')
    .description("pin a partner's key: from its card (--card) or its key file, after confirming the fingerprint out of band")
    .argument('[card]', 'the partner card file (same as --card)')
    .option('--card <file>', "the partner's signed card (from its `palermo partners card`)")
    .option('--node-id <id>', "without a card: the partner's node id")
    .option('--jurisdiction <cc>', "without a card: the partner's jurisdiction (ISO 3166-1 alpha-2)")
    .option('--key <file>', "without a card: the partner's armored public key (from its `palermo keys export`)")
    .option('--fingerprint <fpr>', 'the fingerprint you confirmed with the partner out of band')
    .option('--data-dir <dir>', "this node's data dir")
    .action(async (cardArg: string | undefined, opts: AddOptions) => {
      const cardFile = opts.card ?? cardArg;
      const pinned = cardFile ? await addFromCard(cardFile, opts) : await addFromKey(opts);
      process.stdout.write(`pinned ${pinned.nodeId} (${pinned.jurisdiction}) ${pinned.fingerprint}\n`);
    });
  partners
    .command('list')
    .option('--data-dir <dir>', "this node's data dir")
    .action(async (opts: NodeDirOptions) => {
      for (const p of await withStore(nodeConfig(opts), (store) => store.partners.list())) {
        process.stdout.write(`${p.nodeId}\t${p.jurisdiction}\t${p.fingerprint}\n`);
      }
    });
  registerPartnersResync(partners);
}

/** Shows the card's fingerprint until the operator confirms it with --fingerprint; then verifies and pins. */
async function addFromCard(file: string, opts: AddOptions) {
  let raw: unknown;
  try {
    raw = JSON.parse(readKeyFile(file, '--card'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--card ${file}: not JSON (${(err as Error).message})`);
  }
  const verified = await verifyPartnerCard(raw, nodeSubjects);
  if (!verified.ok) throw new DomainError(verified.code, `${file}: ${verified.message}`);
  const { card } = verified;
  if (!opts.fingerprint) {
    throw new UsageError(
      `${card.nodeId} (${card.jurisdiction}) presents key ${card.fingerprint}; confirm this fingerprint with ${card.nodeId} out of band, then run again with --fingerprint ${card.fingerprint}`,
    );
  }
  const config = nodeConfig(opts);
  return withStore(config, (store) => pinPartnerFromCard(store, config.nodeId, raw, opts.fingerprint!));
}

async function addFromKey(opts: AddOptions) {
  const { nodeId, jurisdiction, key, fingerprint } = opts;
  if (!nodeId || !jurisdiction || !key || !fingerprint) throw new UsageError('give a partner card (--card FILE), or --node-id, --jurisdiction, --key and --fingerprint');
  if (!isNodeId(nodeId)) throw new UsageError(`--node-id ${nodeId}: ${NODE_ID_RULE}`);
  if (!JURISDICTION_PATTERN.test(jurisdiction.toUpperCase())) throw new UsageError(`--jurisdiction ${jurisdiction}: expected two letters, e.g. DE`);
  const publicKey = readKeyFile(key, '--key');
  const config = nodeConfig(opts);
  return withStore(config, (store) => pinPartner(store, config.nodeId, { nodeId, jurisdiction: jurisdiction.toUpperCase(), publicKey, fingerprint }));
}

function readKeyFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A node as `init` made it: enough to pin it elsewhere. */
export interface InitializedNode {
  nodeId: string;
  jurisdiction: string;
  dataDir: string;
  fingerprint: string;
  armoredPublicKey: string;
}

/** Pins every node's key at every other (what operators do out of band with partner cards). */
export async function pinAll(nodes: InitializedNode[]): Promise<void> {
  for (const self of nodes) {
    await withStore(nodeConfig({ dataDir: self.dataDir }), async (store) => {
      for (const other of nodes.filter((n) => n !== self)) {
        await pinPartner(store, self.nodeId, { nodeId: other.nodeId, jurisdiction: other.jurisdiction, publicKey: other.armoredPublicKey, fingerprint: other.fingerprint });
      }
    });
  }
}

