import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fingerprintOf,
  generateNodeKey,
  readPrivateKey,
  readPublicKey,
  type NodePrivateKey,
  type NodePublicKey,
} from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';

/**
 * This node's signing identity and its pseudonymization secret, loaded from `<dataDir>/keys`. The
 * signing fields are live: a key rotation replaces them at runtime (LiveNodeKeys), so read them
 * when signing, never copy them at construction.
 */
export interface NodeKeys {
  fingerprint: string;
  armoredPublicKey: string;
  publicKey: NodePublicKey;
  privateKey: NodePrivateKey;
  /** Key of the HMAC that pseudonymizes imported values; never leaves this node. */
  pseudonymSecret: Uint8Array;
}

const files = (dataDir: string) => ({
  dir: join(dataDir, 'keys'),
  privateKey: join(dataDir, 'keys', 'node-private.asc'),
  publicKey: join(dataDir, 'keys', 'node-public.asc'),
  pseudonymSecret: join(dataDir, 'keys', 'pseudonym.secret'),
});

/** True when `palermo init` has already created key material in this data directory. */
export function hasNodeKeys(dataDir: string): boolean {
  return existsSync(files(dataDir).privateKey);
}

/**
 * Creates the node's OpenPGP key (v4 EdDSA, verifiable by GnuPG 2.2) and pseudonym secret.
 * Refuses to overwrite existing keys: a new key is a rotation, not an init.
 */
export async function createNodeKeys(dataDir: string, nodeId: string, jurisdiction: string): Promise<NodeKeys> {
  const f = files(dataDir);
  if (existsSync(f.privateKey)) {
    throw new DomainError('NODE_KEY_EXISTS', `${f.privateKey} already exists; refusing to replace this node's key`);
  }
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  const key = await generateNodeKey({ nodeId, jurisdiction });
  writeFileSync(f.privateKey, key.armoredPrivateKey, { mode: 0o600 });
  writeFileSync(f.publicKey, key.armoredPublicKey, { mode: 0o644 });
  writeFileSync(f.pseudonymSecret, randomBytes(32).toString('base64'), { mode: 0o600 });
  return loadNodeKeys(dataDir);
}

/** Loads the key material written by `palermo init`, failing with a message that says what to run. */
export async function loadNodeKeys(dataDir: string): Promise<NodeKeys> {
  const f = files(dataDir);
  if (!existsSync(f.privateKey) || !existsSync(f.pseudonymSecret)) {
    throw new DomainError('NODE_NOT_INITIALIZED', `no node key in ${f.dir}; run \`palermo init\` with PALERMO_DATA_DIR=${dataDir}`);
  }
  const armoredPublicKey = readFileSync(f.publicKey, 'utf8');
  const privateKey = await readPrivateKey(readFileSync(f.privateKey, 'utf8'));
  const publicKey = await readPublicKey(armoredPublicKey);
  const pseudonymSecret = Buffer.from(readFileSync(f.pseudonymSecret, 'utf8').trim(), 'base64');
  if (pseudonymSecret.length < 32) throw new DomainError('NODE_SECRET_INVALID', `${f.pseudonymSecret} holds fewer than 32 bytes`);
  return new LiveNodeKeys({ fingerprint: fingerprintOf(publicKey), armoredPublicKey, publicKey, privateKey }, pseudonymSecret);
}

/** The signing half of NodeKeys: what a rotation replaces. */
export type SigningKey = Pick<NodeKeys, 'fingerprint' | 'armoredPublicKey' | 'publicKey' | 'privateKey'>;

/** NodeKeys whose signing key a rotation swaps without a restart (exporter, receipts, audit checkpoints read it live). */
export class LiveNodeKeys implements NodeKeys {
  constructor(
    private signing: SigningKey,
    readonly pseudonymSecret: Uint8Array,
  ) {}

  get fingerprint(): string {
    return this.signing.fingerprint;
  }
  get armoredPublicKey(): string {
    return this.signing.armoredPublicKey;
  }
  get publicKey(): NodePublicKey {
    return this.signing.publicKey;
  }
  get privateKey(): NodePrivateKey {
    return this.signing.privateKey;
  }

  /** The key signing from now on (one object: a reader never sees half of each key). */
  current(): SigningKey {
    return this.signing;
  }

  /** Swaps the signing key (after a committed rotation). */
  replace(next: SigningKey): void {
    this.signing = next;
  }
}

/** Swaps the signing key of a NodeKeys that is live; false for a plain object (tests). */
export function replaceSigningKey(keys: NodeKeys, next: SigningKey): boolean {
  if (!(keys instanceof LiveNodeKeys)) return false;
  keys.replace(next);
  return true;
}

/**
 * Key files of a rotation: the new key is written beside the current one (`*.next`) before the
 * database commits, then `commit` keeps the old pair under `keys/retired/<fingerprint>.*` (it may
 * still have to sign a revocation of itself) and moves the new pair in place with two renames.
 */
export function stageRotatedKey(dataDir: string, oldFingerprint: string, next: { armoredPrivateKey: string; armoredPublicKey: string }): { commit: () => void; abandon: () => void } {
  const f = files(dataDir);
  writeFileSync(`${f.privateKey}.next`, next.armoredPrivateKey, { mode: 0o600 });
  writeFileSync(`${f.publicKey}.next`, next.armoredPublicKey, { mode: 0o644 });
  return stageRotatedKeyFiles(dataDir, oldFingerprint);
}

function stageRotatedKeyFiles(dataDir: string, oldFingerprint: string): { commit: () => void; abandon: () => void } {
  const f = files(dataDir);
  const retired = join(f.dir, 'retired');
  return {
    commit: () => {
      mkdirSync(retired, { recursive: true, mode: 0o700 });
      copyFileSync(f.privateKey, join(retired, `${oldFingerprint}.private.asc`));
      copyFileSync(f.publicKey, join(retired, `${oldFingerprint}.public.asc`));
      renameSync(`${f.privateKey}.next`, f.privateKey);
      renameSync(`${f.publicKey}.next`, f.publicKey);
    },
    abandon: () => {
      for (const file of [`${f.privateKey}.next`, `${f.publicKey}.next`]) rmSync(file, { force: true });
    },
  };
}

/** The private key of a retired own key, or null when this data dir does not hold it. */
export async function loadRetiredPrivateKey(dataDir: string, fingerprint: string): Promise<NodePrivateKey | null> {
  if (!/^[0-9a-f]{40,64}$/.test(fingerprint)) return null;
  const file = join(files(dataDir).dir, 'retired', `${fingerprint}.private.asc`);
  return existsSync(file) ? readPrivateKey(readFileSync(file, 'utf8')) : null;
}

/**
 * Finishes or drops a rotation a crash interrupted between the database commit and the key files'
 * renames: when the staged `*.next` key is the one the database made active, it is moved in place
 * (and returned); when the database kept the current key, the staged one is deleted.
 */
export async function settleStagedRotation(dataDir: string, current: string, activeInDatabase: string): Promise<SigningKey | null> {
  const f = files(dataDir);
  if (!existsSync(`${f.privateKey}.next`) || !existsSync(`${f.publicKey}.next`)) return null;
  const armoredPublicKey = readFileSync(`${f.publicKey}.next`, 'utf8');
  const publicKey = await readPublicKey(armoredPublicKey);
  const staged = stageRotatedKeyFiles(dataDir, current);
  if (fingerprintOf(publicKey) !== activeInDatabase || activeInDatabase === current) {
    staged.abandon();
    return null;
  }
  const privateKey = await readPrivateKey(readFileSync(`${f.privateKey}.next`, 'utf8'));
  staged.commit();
  return { fingerprint: fingerprintOf(publicKey), armoredPublicKey, publicKey, privateKey };
}
