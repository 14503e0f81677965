import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** This node's signing identity and its pseudonymization secret, loaded from `<dataDir>/keys`. */
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
  return { fingerprint: fingerprintOf(publicKey), armoredPublicKey, publicKey, privateKey, pseudonymSecret };
}
