import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { assertNodeId, provisionStreams } from '@palermo/federation';
import { UsageError } from '../node-env';

/** Environment variable holding the operator's nkey seed (deploy/nats/operator.conf lists its public key). */
export const OPERATOR_SEED_ENV = 'PALERMO_NATS_OPERATOR_SEED';

/**
 * `palermo nats provision --node <id> [--node …]`: create each node's streams (feed, receipts, keys, log) as the NATS
 * operator identity, with exactly the config the node itself would use. Under deploy/nats's nkey configs nodes may only
 * look their streams up: a stream's config can republish or source what other nodes may not read.
 */
export function registerNats(program: Command): void {
  const nats = program.command('nats').description('NATS administration for the federation operator');
  nats
    .command('provision')
    .description("create or repair each node's JetStream streams (PALERMO_FEED/RECEIPTS/KEYS/LOG_<node>) as the operator identity")
    .option('--node <id>', 'node id whose streams to provision (repeat for several)', collect, [] as string[])
    .option('--url <url>', 'NATS server (the hub in the leafnode topology); default $NATS_URL or nats://127.0.0.1:4222')
    .option('--seed-file <file>', `file holding the operator's nkey seed; default $${OPERATOR_SEED_ENV}`)
    .option('--replicas <n>', 'replicas of each feed stream (3 in the three-server cluster)', '1')
    .action(async (opts: { node: string[]; url?: string; seedFile?: string; replicas: string }) => {
      if (opts.node.length === 0) throw new UsageError('give at least one --node <id>');
      for (const node of opts.node) {
        try {
          assertNodeId(node, 'node');
        } catch {
          throw new UsageError(`--node ${node}: not a node id (lower-case letters, digits and '-')`);
        }
      }
      const replicas = Number(opts.replicas);
      if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new UsageError(`--replicas ${opts.replicas}: expected 1 to 5`);
      const url = opts.url ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
      const done = await provisionStreams({ servers: url, seed: operatorSeed(opts.seedFile), nodes: [...new Set(opts.node)], replicas });
      for (const stream of done) process.stdout.write(`${stream.stream}\t${stream.action}\n`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The seed from --seed-file or the environment; none only for a server without authentication (single.conf). */
function operatorSeed(file: string | undefined): string | undefined {
  let seed: string | undefined;
  if (file !== undefined) {
    try {
      seed = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--seed-file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  } else {
    seed = process.env[OPERATOR_SEED_ENV];
  }
  seed = seed?.trim();
  if (seed === undefined || seed === '') return undefined;
  if (!/^SU[A-Z2-7]{56}$/.test(seed)) throw new UsageError(`the operator seed (${file === undefined ? OPERATOR_SEED_ENV : `--seed-file ${file}`}) is not an nkey user seed (SU…)`);
  return seed;
}
