import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { pinPartner } from '../../../node/src/node/partner.pinning';
import { isNodeId, JURISDICTION_PATTERN, NODE_ID_RULE } from '@palermo/indicators';
import { nodeConfig, UsageError, withStore, type NodeDirOptions } from '../node-env';

interface AddOptions extends NodeDirOptions {
  nodeId: string;
  jurisdiction: string;
  key: string;
  fingerprint: string;
}

/** `palermo partners add|list`: pin partner keys while the node is stopped (PGlite is single-process). */
export function registerPartners(program: Command): void {
  const partners = program.command('partners').description("partners and their pinned keys");
  partners
    .command('add')
    .description("pin a partner's public key after confirming its fingerprint out of band")
    .requiredOption('--node-id <id>', "the partner's node id")
    .requiredOption('--jurisdiction <cc>', "the partner's jurisdiction (ISO 3166-1 alpha-2)")
    .requiredOption('--key <file>', "the partner's armored public key (from its `palermo keys export`)")
    .requiredOption('--fingerprint <fpr>', 'the fingerprint you confirmed with the partner out of band')
    .option('--data-dir <dir>', "this node's data dir")
    .action(async (opts: AddOptions) => {
      if (!isNodeId(opts.nodeId)) throw new UsageError(`--node-id ${opts.nodeId}: ${NODE_ID_RULE}`);
      if (!JURISDICTION_PATTERN.test(opts.jurisdiction.toUpperCase())) throw new UsageError(`--jurisdiction ${opts.jurisdiction}: expected two letters, e.g. DE`);
      const publicKey = readKeyFile(opts.key);
      const config = nodeConfig(opts);
      const pinned = await withStore(config, (store) =>
        pinPartner(store, config.nodeId, { nodeId: opts.nodeId, jurisdiction: opts.jurisdiction.toUpperCase(), publicKey, fingerprint: opts.fingerprint }),
      );
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
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--key ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
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

