import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from './bundle.codec';
import { sampleBundle } from './bundle.fixtures';
import { generateNodeKey, readPrivateKey } from './bundle.keys';
import { armorSignature, signDetached } from './bundle.signature';

// Wire protocol v1 promises that any partner can check a bundle with stock GnuPG 2.2.
const GPG = '/usr/bin/gpg';
const home = mkdtempSync(join(tmpdir(), 'palermo-gpg-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** gpg in a throw-away home; --no-autostart so no agent outlives the test. */
function gpg(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(GPG, ['--homedir', home, '--batch', '--no-autostart', '--no-tty', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('GnuPG 2.2 interop', () => {
  it('gpg --verify accepts the detached signature over bundle.json, and refuses it after one byte changes', async () => {
    const key = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
    const bytes = canonicalBytes(sampleBundle(11));
    const signature = await signDetached(bytes, await readPrivateKey(key.armoredPrivateKey));
    writeFileSync(join(home, 'bundle.json'), bytes);
    writeFileSync(join(home, 'bundle.json.sig'), signature);
    writeFileSync(join(home, 'nl-police.asc'), key.armoredPublicKey);

    expect(gpg('--import', join(home, 'nl-police.asc')).status).toBe(0);
    const good = gpg('--verify', join(home, 'bundle.json.sig'), join(home, 'bundle.json'));
    expect(good.output).toContain('Good signature from "nl-police (palermo node, jurisdiction NL)"');
    expect(good.output.toLowerCase()).toContain(key.fingerprint.slice(-16));
    expect(good.status).toBe(0);

    const tampered = Uint8Array.from(bytes);
    tampered[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(join(home, 'bundle.json'), tampered);
    const bad = gpg('--verify', join(home, 'bundle.json.sig'), join(home, 'bundle.json'));
    expect(bad.output).toContain('BAD signature');
    expect(bad.status).not.toBe(0);
  });

  it('gpg --verify accepts the armored signature that GET /bundles/:hash/signature serves', async () => {
    const key = await generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' });
    const bytes = canonicalBytes(sampleBundle(3));
    // Several signatures: every v4 EdDSA signature is 119 bytes, the length GnuPG 2.2 misreads without a checksum line.
    for (let i = 0; i < 3; i++) {
      const signature = await signDetached(bytes, await readPrivateKey(key.armoredPrivateKey));
      writeFileSync(join(home, 'armored.json'), bytes);
      writeFileSync(join(home, 'armored.json.asc'), armorSignature(signature));
      writeFileSync(join(home, 'de-bka.asc'), key.armoredPublicKey);
      expect(gpg('--import', join(home, 'de-bka.asc')).status).toBe(0);
      const good = gpg('--verify', join(home, 'armored.json.asc'), join(home, 'armored.json'));
      expect(good.output).toContain('Good signature');
      expect(good.output).not.toContain('invalid radix64');
      expect(good.status).toBe(0);
    }
  });
});
