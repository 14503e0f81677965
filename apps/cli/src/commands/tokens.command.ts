import type { Command } from 'commander';
import { ROLES, type Role } from '../../../node/src/auth/roles';
import { nodeConfig, UsageError, withStore, type NodeDirOptions } from '../node-env';

/** `palermo tokens create --role R`: prints a bearer token once; only its hash is stored. */
export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('API bearer tokens');
  tokens
    .command('create')
    .description('create a token for a role and print it (shown once; stored hashed)')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--name <name>', 'who holds it (required for policy officers: four-eyes tells officers apart by name)')
    .option('--data-dir <dir>', "the node's data dir")
    .action(async (opts: NodeDirOptions & { role: string; name?: string }) => {
      if (opts.role === 'policy-officer' && !opts.name?.trim()) throw new UsageError('--name is required for a policy-officer token (four-eyes tells officers apart by name)');
      const token = await createToken(opts, opts.role, opts.name?.trim() || 'unnamed');
      process.stdout.write(`${token}\n`);
    });
}

/** Creates a token on the node in `opts.dataDir`; used by `tokens create` and `demo`. */
export async function createToken(opts: NodeDirOptions, role: string, name: string): Promise<string> {
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role ${role}: expected one of ${ROLES.join(', ')}`);
  return withStore(nodeConfig(opts), async (store) => (await store.tokens.create({ role: role as Role, name })).token);
}
