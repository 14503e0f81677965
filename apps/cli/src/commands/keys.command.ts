import type { Command } from 'commander';
import { loadNodeKeys } from '../../../node/src/keys/node-keys';
import { resolveDataDir, type NodeDirOptions } from '../node-env';

/** `palermo keys export`: the node's armored public key on stdout, its fingerprint on stderr. */
export function registerKeys(program: Command): void {
  program
    .command('keys')
    .description("the node's signing key")
    .command('export')
    .description('print the armored public key (give it to partners with the fingerprint, out of band)')
    .option('--data-dir <dir>', "the node's data dir")
    .action(async (opts: NodeDirOptions) => {
      const keys = await loadNodeKeys(resolveDataDir(opts));
      process.stderr.write(`fingerprint ${keys.fingerprint}\n`);
      process.stdout.write(keys.armoredPublicKey.endsWith('\n') ? keys.armoredPublicKey : `${keys.armoredPublicKey}\n`);
    });
}
