import type { Command } from 'commander';
import { loadNodeKeys } from '../../../node/src/keys/node-keys';
import { ApiClient, type ApiOptions } from '../api.client';
import { resolveDataDir, UsageError, type NodeDirOptions } from '../node-env';

const REASONS = ['key-compromise', 'superseded', 'retired'];

/**
 * `palermo keys export` (offline: the public key on stdout, its fingerprint on stderr), and
 * `keys list|rotate|revoke` against the RUNNING node through its API (admin token): a rotation must
 * swap the key the node signs with and reach partners over NATS, which only the running node can do.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("the node's signing key: export, list, rotate, revoke");
  keys
    .command('export')
    .description('print the armored public key (give it to partners with the fingerprint, out of band)')
    .option('--data-dir <dir>', "the node's data dir")
    .action(async (opts: NodeDirOptions) => {
      const loaded = await loadNodeKeys(resolveDataDir(opts));
      process.stderr.write(`fingerprint ${loaded.fingerprint}\n`);
      process.stdout.write(loaded.armoredPublicKey.endsWith('\n') ? loaded.armoredPublicKey : `${loaded.armoredPublicKey}\n`);
    });
  const withApi = (cmd: Command) =>
    cmd
      .option('--json', 'print JSON')
      .option('--api <url>', 'node API URL (default PALERMO_API_URL or the port in the node config)')
      .option('--token <token>', 'admin token (default PALERMO_TOKEN)')
      .option('--data-dir <dir>', 'node data dir (to find its port)');
  const print = (opts: { json?: boolean }, value: unknown, text: string) => process.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

  withApi(keys.command('list').description("the running node's keys, current and earlier, with retirement and revocation")).action(async (opts: ApiOptions & { json?: boolean }) => {
    const res = await ApiClient.from(opts).call<{ current: string; items: { fingerprint: string; createdAt: string; retiredAt: string | null; revokedAt: string | null; revocationReason: string | null; compromisedAt: string | null }[] }>('GET', '/keys');
    const lines = res.items.map((k) => `${k.fingerprint}  ${k.fingerprint === res.current ? 'current ' : k.revokedAt ? 'revoked ' : 'retired '} created ${k.createdAt}${k.retiredAt ? `, retired ${k.retiredAt}` : ''}${k.revokedAt ? `, revoked (${k.revocationReason}) from ${k.compromisedAt}` : ''}`);
    print(opts, res, lines.join('\n'));
  });

  withApi(keys.command('rotate').description('make a new signing key; partners receive a statement signed by the old and the new key')).action(async (opts: ApiOptions & { json?: boolean }) => {
    const res = await ApiClient.from(opts).call<{ oldFingerprint: string; newFingerprint: string; publishedAt: string | null }>('POST', '/keys/rotate');
    const state = res.publishedAt ? 'statement published' : 'statement queued (NATS unavailable; the node retries)';
    print(opts, res, `rotated ${res.oldFingerprint} → ${res.newFingerprint}; ${state}\nfingerprint ${res.newFingerprint}`);
  });

  withApi(
    keys
      .command('revoke')
      .description('revoke an earlier key; partners quarantine what it signs after --compromised-at')
      .argument('<fingerprint>', 'the key to revoke')
      .requiredOption('--reason <reason>', REASONS.join(' | '))
      .option('--compromised-at <instant>', 'ISO 8601 UTC instant from which its signatures are not trusted (default now)'),
  ).action(async (fingerprint: string, opts: ApiOptions & { json?: boolean; reason: string; compromisedAt?: string }) => {
    if (!/^[0-9a-f]{40,64}$/.test(fingerprint)) throw new UsageError(`${fingerprint}: expected a lower-case hex fingerprint`);
    if (!REASONS.includes(opts.reason)) throw new UsageError(`--reason ${opts.reason}: expected one of ${REASONS.join(', ')}`);
    const body = { fingerprint, reason: opts.reason, ...(opts.compromisedAt ? { compromisedAt: opts.compromisedAt } : {}) };
    const res = await ApiClient.from(opts).call<{ fingerprint: string; reason: string; compromisedAt: string; signer: string }>('POST', '/keys/revoke', body);
    print(opts, res, `revoked ${res.fingerprint} (${res.reason}) from ${res.compromisedAt}; signed by ${res.signer}`);
  });
}
