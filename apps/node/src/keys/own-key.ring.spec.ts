import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf, generateNodeKey, readPrivateKey, readPublicKey, type NodeKeyMaterial } from '@palermo/bundles';
import type { OwnKeyRecord, Store } from '@palermo/store';
import type { NodeConfig, NodeKeys } from '../node/node-context';
import { OwnKeyRing } from './own-key.ring';

// Which of this node's keys open a bundle: current, staged next, retired and kept; not a key revoked
// as compromised, not a retired key whose private half is gone, not a stranger's.
let dataDir: string;
let current: NodeKeyMaterial;
let retired: NodeKeyMaterial;
let compromised: NodeKeyMaterial;
let lost: NodeKeyMaterial;
let next: NodeKeyMaterial;
let ring: OwnKeyRing;

const own = (key: NodeKeyMaterial, fate: Partial<OwnKeyRecord> = {}): OwnKeyRecord => ({
  fingerprint: key.fingerprint,
  nodeId: 'de-bka',
  armoredPublicKey: key.armoredPublicKey,
  active: false,
  createdAt: '2026-12-01T00:00:00.000Z',
  retiredAt: '2026-12-02T00:00:00.000Z',
  successor: null,
  revokedAt: null,
  compromisedAt: null,
  revocationReason: null,
  ...fate,
});

beforeAll(async () => {
  [current, retired, compromised, lost, next] = await Promise.all([0, 1, 2, 3, 4].map(() => generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' })));
  dataDir = mkdtempSync(join(tmpdir(), 'own-key-ring-'));
  mkdirSync(join(dataDir, 'keys', 'retired'), { recursive: true });
  for (const key of [retired, compromised]) writeFileSync(join(dataDir, 'keys', 'retired', `${key.fingerprint}.private.asc`), key.armoredPrivateKey);
  const keys = [own(retired), own(lost), own(compromised, { revokedAt: '2026-12-03T00:00:00.000Z', compromisedAt: '2026-12-01T12:00:00.000Z', revocationReason: 'key-compromise' }), own(current, { active: true, retiredAt: null })];
  const store = { keyHistory: { ownKeys: async () => keys } } as unknown as Store;
  const privateKey = await readPrivateKey(current.armoredPrivateKey);
  ring = new OwnKeyRing(store, { dataDir } as NodeConfig, { fingerprint: current.fingerprint, privateKey } as NodeKeys);
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const opens = async (fingerprint: string) => {
  const key = await ring.decryptionKey(fingerprint);
  return key.ok ? fingerprintOf(key.privateKey) : key.code;
};

describe('OwnKeyRing', () => {
  it('opens with the current key and with an earlier key whose private half keys/retired/ keeps', async () => {
    expect(await opens(current.fingerprint)).toBe(current.fingerprint);
    expect(await opens(retired.fingerprint)).toBe(retired.fingerprint);
  });

  it('opens with the next key once a rotation staged it, before the swap', async () => {
    expect(await opens(next.fingerprint)).toBe('BUNDLE_NOT_FOR_THIS_NODE');
    ring.stage({ fingerprint: next.fingerprint, armoredPublicKey: next.armoredPublicKey, publicKey: await readPublicKey(next.armoredPublicKey), privateKey: await readPrivateKey(next.armoredPrivateKey) });
    expect(await opens(next.fingerprint)).toBe(next.fingerprint);
  });

  it.each([
    ['a key revoked as compromised, though its file is kept', () => compromised.fingerprint, 'BUNDLE_ENCRYPTED_TO_COMPROMISED_KEY'],
    ['an earlier key whose private half is gone', () => lost.fingerprint, 'BUNDLE_NOT_FOR_THIS_NODE'],
    ['a key that was never this node’s', () => 'ab'.repeat(20), 'BUNDLE_NOT_FOR_THIS_NODE'],
    ['a path in the header', () => '../../etc/passwd', 'BUNDLE_NOT_FOR_THIS_NODE'],
  ])('refuses %s', async (_name, fingerprint, code) => {
    expect(await opens(fingerprint())).toBe(code);
  });
});
