import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../node-env';
import { registerNats } from './nats.command';

// `palermo nats provision`: what it refuses before it connects (the provisioning itself runs against the real
// nats-server in tests/integration/stream-provisioning.spec.ts and tests/e2e/nats-identity.spec.ts).

const program = (): Command => {
  const p = new Command('palermo').exitOverride();
  p.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerNats(p);
  return p;
};
const provision = (...args: string[]) => program().parseAsync(['node', 'palermo', 'nats', 'provision', ...args]);

describe('palermo nats provision (arguments)', () => {
  it('needs at least one --node', async () => {
    await expect(provision()).rejects.toThrow(/--node/);
  });

  it('refuses a malformed node id, replica count or seed before connecting', async () => {
    await expect(provision('--node', 'NL POLICE')).rejects.toThrow(UsageError);
    await expect(provision('--node', '../etc')).rejects.toThrow(UsageError);
    await expect(provision('--node', 'nl-police', '--replicas', '0')).rejects.toThrow(/--replicas/);
    await expect(provision('--node', 'nl-police', '--replicas', 'x')).rejects.toThrow(/--replicas/);
    const dir = mkdtempSync(join(tmpdir(), 'palermo-nats-cli-'));
    writeFileSync(join(dir, 'bad.nk'), 'not a seed\n');
    await expect(provision('--node', 'nl-police', '--seed-file', join(dir, 'bad.nk'))).rejects.toThrow(/not an nkey user seed/);
    await expect(provision('--node', 'nl-police', '--seed-file', join(dir, 'missing.nk'))).rejects.toThrow(/cannot read it \(ENOENT\)/);
  });
});
