import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey } from './bundle.keys';
import { makeKeyRotation } from './key.rotation';
import { makeCheckpoint } from './log.checkpoint';
import { EMPTY_TREE_ROOT } from './merkle/merkle.tree';
import { statementBytes } from './signed.statement';

// An auditor checks a checkpoint or a rotation with stock GnuPG 2.2, as it checks bundles.
const home = mkdtempSync(join(tmpdir(), 'palermo-gpg-statements-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function gpg(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('/usr/bin/gpg', ['--homedir', home, '--batch', '--no-autostart', '--no-tty', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function verifies(name: string, bytes: Uint8Array, armoredSignature: string): boolean {
  writeFileSync(join(home, name), bytes);
  writeFileSync(join(home, `${name}.asc`), armoredSignature);
  const run = gpg('--verify', join(home, `${name}.asc`), join(home, name));
  return run.status === 0 && run.output.includes('Good signature');
}

describe('signed statements and GnuPG 2.2', () => {
  it('gpg --verify accepts a checkpoint and both signatures of a rotation over statementBytes, and refuses a changed checkpoint', async () => {
    const [oldKm, newKm] = await Promise.all([generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' }), generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' })]);
    const [oldKey, newKey] = await Promise.all([readPrivateKey(oldKm.armoredPrivateKey), readPrivateKey(newKm.armoredPrivateKey)]);
    for (const [i, km] of [oldKm, newKm].entries()) {
      writeFileSync(join(home, `key${i}.asc`), km.armoredPublicKey);
      expect(gpg('--import', join(home, `key${i}.asc`)).status).toBe(0);
    }
    const checkpoint = await makeCheckpoint({ publisher: 'nl-police', treeSize: 0, rootHash: EMPTY_TREE_ROOT, privateKey: oldKey });
    expect(verifies('checkpoint.json', statementBytes(checkpoint.checkpoint), checkpoint.signature)).toBe(true);
    expect(verifies('checkpoint.json', statementBytes({ ...checkpoint.checkpoint, treeSize: 1 }), checkpoint.signature)).toBe(false);

    const rotation = await makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: oldKey, newPrivateKey: newKey, newArmoredPublicKey: newKm.armoredPublicKey });
    expect(verifies('rotation.json', statementBytes(rotation.rotation), rotation.oldSignature)).toBe(true);
    expect(verifies('rotation.json', statementBytes(rotation.rotation), rotation.newSignature)).toBe(true);
  }, 60_000);
});
