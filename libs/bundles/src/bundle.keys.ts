import { generateKey, readKey, readPrivateKey as readOpenpgpPrivateKey, type PrivateKey, type PublicKey } from 'openpgp';
import { DomainError, errorMessage, isNodeId, JURISDICTION_PATTERN } from '@palermo/indicators';

/** A node's signing key, decrypted and ready to sign (opaque: use this lib's functions on it). */
export type NodePrivateKey = PrivateKey;
/** A node's public key, e.g. a partner's pinned key (opaque: use this lib's functions on it). */
export type NodePublicKey = PublicKey;

/** Fresh key material of a node; the private key is not passphrase-protected (it lives under PALERMO_DATA_DIR). */
export interface NodeKeyMaterial {
  /** Armored OpenPGP private key (v4, EdDSA Ed25519 primary + Curve25519 encryption subkey). */
  armoredPrivateKey: string;
  /** Armored OpenPGP public key, as shared on the partner card. */
  armoredPublicKey: string;
  /** Lower-case hex v4 fingerprint of the primary key. */
  fingerprint: string;
}


/**
 * Generates a node key: v4 with legacy EdDSA (curve25519Legacy), because GnuPG 2.2 verifies only
 * that form of Ed25519, and the wire protocol promises `gpg --verify` works on every bundle.
 */
export async function generateNodeKey(input: { nodeId: string; jurisdiction: string }): Promise<NodeKeyMaterial> {
  if (!isNodeId(input.nodeId)) throw new DomainError('NODE_ID_INVALID', `not a node id: ${JSON.stringify(input.nodeId)}`);
  if (!JURISDICTION_PATTERN.test(input.jurisdiction)) {
    throw new DomainError('JURISDICTION_INVALID', `jurisdiction must be ISO 3166-1 alpha-2, got ${JSON.stringify(input.jurisdiction)}`);
  }
  const { privateKey, publicKey } = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: input.nodeId, comment: `palermo node, jurisdiction ${input.jurisdiction}` }],
    format: 'object',
  });
  return { armoredPrivateKey: privateKey.armor(), armoredPublicKey: publicKey.armor(), fingerprint: fingerprintOf(publicKey) };
}

/** Reads an armored, unencrypted node private key; throws KEY_INVALID or KEY_UNSUPPORTED. */
export async function readPrivateKey(armored: string): Promise<NodePrivateKey> {
  let key: PrivateKey;
  try {
    key = await readOpenpgpPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw new DomainError('KEY_INVALID', `not an armored OpenPGP private key: ${errorMessage(error)}`);
  }
  if (!key.isDecrypted()) throw new DomainError('KEY_INVALID', 'private key is passphrase-protected; node keys are stored unprotected');
  await assertSupported(key);
  return key;
}

/** Reads an armored node public key (e.g. from a partner card); refuses private keys; throws KEY_INVALID or KEY_UNSUPPORTED. */
export async function readPublicKey(armored: string): Promise<NodePublicKey> {
  let key: PublicKey | PrivateKey;
  try {
    key = await readKey({ armoredKey: armored });
  } catch (error) {
    throw new DomainError('KEY_INVALID', `not an armored OpenPGP public key: ${errorMessage(error)}`);
  }
  // Secret material has no business where a public key is expected (a partner card, a pin).
  if (key.isPrivate()) throw new DomainError('KEY_INVALID', 'expected a public key, got a private key');
  await assertSupported(key);
  return key;
}

/** Lower-case hex v4 fingerprint of the key's primary key: the identity partners pin. */
export function fingerprintOf(key: NodePublicKey | NodePrivateKey): string {
  return key.getFingerprint().toLowerCase();
}

/** The public half of a node's private key. */
export function publicKeyOf(key: NodePrivateKey): NodePublicKey {
  return key.toPublic();
}

/** Armored form of a public key, for partner cards. */
export function armorPublicKey(key: NodePublicKey): string {
  return key.isPrivate() ? key.toPublic().armor() : key.armor();
}

async function assertSupported(key: PublicKey | PrivateKey): Promise<void> {
  if (key.keyPacket.version !== 4) {
    throw new DomainError('KEY_UNSUPPORTED', `key is OpenPGP v${key.keyPacket.version}; wire v1 uses v4 keys (GnuPG 2.2 cannot verify others)`);
  }
  let signingKey;
  try {
    signingKey = await key.getSigningKey();
  } catch (error) {
    throw new DomainError('KEY_UNSUPPORTED', `key cannot sign: ${errorMessage(error)}`);
  }
  const { algorithm } = signingKey.getAlgorithmInfo();
  if (algorithm !== 'eddsaLegacy') {
    throw new DomainError('KEY_UNSUPPORTED', `signing key uses ${algorithm}; wire v1 uses EdDSA Ed25519 (legacy)`);
  }
}
