import type { Command } from 'commander';
import { isNodeId, NODE_ID_RULE } from '@palermo/indicators';
import { PARTNER_ROLE, ROLES } from '../../../node/src/auth/roles';
import { nodeConfig, UsageError, withStore, type NodeDirOptions } from '../node-env';

const TOKEN_ROLES: readonly string[] = [...ROLES, PARTNER_ROLE];

/** `palermo tokens create --role R`: prints a bearer token once; only its hash is stored. */
export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('API bearer tokens');
  tokens
    .command('create')
    .description('create a token for a role and print it (shown once; stored hashed)')
    .requiredOption('--role <role>', TOKEN_ROLES.join(' | '))
    .option('--name <name>', 'who holds it (required for policy officers: four-eyes tells officers apart by name)')
    .option('--partner <node id>', 'with --role partner: the partner node whose feed (TAXII / STIX export) this token reads')
    .option('--data-dir <dir>', "the node's data dir")
    .action(async (opts: NodeDirOptions & { role: string; name?: string; partner?: string }) => {
      if (opts.role === 'policy-officer' && !opts.name?.trim()) throw new UsageError('--name is required for a policy-officer token (four-eyes tells officers apart by name)');
      const name = opts.name?.trim() || (opts.partner ? `partner ${opts.partner}` : 'unnamed');
      const token = await createToken(opts, opts.role, name, opts.partner);
      process.stdout.write(`${token}\n`);
    });
}

/**
 * Creates a token on the node in `opts.dataDir`; used by `tokens create` and `demo`. A `partner`
 * token names the partner node it reads for (it sees only the community feed and that partner's own).
 */
export async function createToken(opts: NodeDirOptions, role: string, name: string, partner?: string): Promise<string> {
  if (!TOKEN_ROLES.includes(role)) throw new UsageError(`--role ${role}: expected one of ${TOKEN_ROLES.join(', ')}`);
  if (role === PARTNER_ROLE && !partner) throw new UsageError('--partner <node id> is required with --role partner');
  if (role !== PARTNER_ROLE && partner !== undefined) throw new UsageError('--partner goes only with --role partner');
  // `local` and `all` name collections: a partner token so scoped would read them (isNodeId refuses both).
  if (partner !== undefined && !isNodeId(partner)) throw new UsageError(`--partner ${partner}: expected a node id such as de-bka (${NODE_ID_RULE})`);
  return withStore(nodeConfig(opts), async (store) => (await store.tokens.create({ role, name, partner: partner ?? null })).token);
}
