import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateNodeKey } from '@palermo/bundles';
import { createNodeKeys, loadNodeKeys, loadRetiredPrivateKey, replaceSigningKey, settleStagedRotation, stageRotatedKey } from './node-keys';

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'palermo-keys-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('node key files across a rotation', () => {
  it('commit keeps the old pair under keys/retired and puts the new one in place; the live keys swap without a reload', async () => {
    const dir = dataDir();
    const keys = await createNodeKeys(dir, 'nl-police', 'NL');
    const old = keys.fingerprint;
    const next = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
    stageRotatedKey(dir, old, next).commit();
    expect((await loadNodeKeys(dir)).fingerprint).toBe(next.fingerprint);
    expect(await loadRetiredPrivateKey(dir, old)).not.toBeNull();
    expect(await loadRetiredPrivateKey(dir, '../../etc/passwd')).toBeNull();
    const reloaded = await loadNodeKeys(dir);
    expect(replaceSigningKey(keys, reloaded)).toBe(true);
    expect(keys.fingerprint).toBe(next.fingerprint);
    expect(replaceSigningKey({ ...reloaded, pseudonymSecret: new Uint8Array(32) }, reloaded)).toBe(false);
  });

  it('abandon (the database refused the rotation) leaves the current key and no staged file', async () => {
    const dir = dataDir();
    const keys = await createNodeKeys(dir, 'nl-police', 'NL');
    stageRotatedKey(dir, keys.fingerprint, await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' })).abandon();
    expect((await loadNodeKeys(dir)).fingerprint).toBe(keys.fingerprint);
    expect(existsSync(join(dir, 'keys', 'node-private.asc.next'))).toBe(false);
  });

  it('a crash after the commit: the next boot finishes the rename when the database holds the staged key, drops it otherwise', async () => {
    const dir = dataDir();
    const keys = await createNodeKeys(dir, 'nl-police', 'NL');
    const next = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
    stageRotatedKey(dir, keys.fingerprint, next);
    expect(await settleStagedRotation(dir, keys.fingerprint, keys.fingerprint)).toBeNull();
    expect(existsSync(join(dir, 'keys', 'node-private.asc.next'))).toBe(false);
    stageRotatedKey(dir, keys.fingerprint, next);
    expect(await settleStagedRotation(dir, keys.fingerprint, next.fingerprint)).toMatchObject({ fingerprint: next.fingerprint });
    expect((await loadNodeKeys(dir)).fingerprint).toBe(next.fingerprint);
    expect(await settleStagedRotation(dir, next.fingerprint, next.fingerprint)).toBeNull();
  });
});
