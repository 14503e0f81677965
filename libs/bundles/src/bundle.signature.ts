import { armor, createMessage, enums, readSignature, unarmor, verify, sign, type Signature } from 'openpgp';
import { DomainError, errorMessage } from '@palermo/indicators';
import { fingerprintOf, type NodePrivateKey, type NodePublicKey } from './bundle.keys';

/** The outcome of verifyDetached; never a throw. */
export type VerifyResult =
  | { ok: true; fingerprint: string }
  | { ok: false; code: 'BUNDLE_SIGNATURE_INVALID' | 'BUNDLE_SIGNER_MISMATCH'; message: string };

/** Binary OpenPGP detached signature (v4, binary document) over bytes, e.g. canonical bundle bytes. */
export async function signDetached(bytes: Uint8Array, privateKey: NodePrivateKey): Promise<Uint8Array> {
  const message = await createMessage({ binary: bytes });
  return sign({ message, signingKeys: privateKey, detached: true, format: 'binary' });
}

/** ASCII-armored form of a binary signature (`-----BEGIN PGP SIGNATURE-----`), for files and humans. */
export function armorSignature(signature: Uint8Array): string {
  // With the CRC-24 line: GnuPG 2.2 misreads unpadded base64 without it (dev.gnupg.org/T7071), and a
  // v4 EdDSA signature (119 bytes) is always unpadded, so `gpg --verify` would fail on every bundle.
  return armor(enums.armor.signature, signature, undefined, undefined, undefined, true);
}

/** Binary form of an armored signature; throws SIGNATURE_ARMOR_INVALID. */
export async function dearmorSignature(armored: string): Promise<Uint8Array> {
  try {
    const { type, data } = await unarmor(armored);
    if (type !== enums.armor.signature) throw new Error('armor is not a PGP SIGNATURE block');
    return data as unknown as Uint8Array; // non-streamed input gives non-streamed output
  } catch (error) {
    throw new DomainError('SIGNATURE_ARMOR_INVALID', `not an armored OpenPGP signature: ${errorMessage(error)}`);
  }
}

/**
 * Verifies a binary detached signature over bytes against one pinned public key. SIGNER_MISMATCH
 * when the signature names another key as its issuer; SIGNATURE_INVALID for anything else that
 * fails (unparseable, several signatures, wrong signature type, bad cryptography).
 */
export async function verifyDetached(bytes: Uint8Array, signature: Uint8Array, publicKey: NodePublicKey): Promise<VerifyResult> {
  let parsed: Signature;
  try {
    parsed = await readSignature({ binarySignature: signature });
  } catch (error) {
    return invalid(`not an OpenPGP signature: ${errorMessage(error)}`);
  }
  const precheck = checkSignaturePacket(parsed, publicKey);
  if (precheck) return precheck;
  try {
    const message = await createMessage({ binary: bytes });
    // format 'binary': no newline normalisation of the data (and 8× faster than the utf8 default).
    // date null: signature times come from the publisher's clock; skew must not fail a bundle.
    // The key must still have been valid when it signed (openpgp checks that regardless).
    const result = await verify({ message, signature: parsed, verificationKeys: publicKey, format: 'binary', date: null, expectSigned: false });
    const [only] = result.signatures;
    if (result.signatures.length !== 1 || !only) return invalid('no verifiable signature');
    await only.verified;
  } catch (error) {
    return invalid(`signature does not verify: ${errorMessage(error)}`);
  }
  return { ok: true, fingerprint: fingerprintOf(publicKey) };
}

/**
 * Fingerprint (lower-case hex) of the key a binary detached signature names as its issuer, or null
 * when it is not one signature or names no fingerprint. Says who claims to have signed, proves
 * nothing: for labelling what this node signed itself (e.g. before a key rotation), not for checking.
 */
export async function signatureIssuer(signature: Uint8Array): Promise<string | null> {
  try {
    const parsed = await readSignature({ binarySignature: signature });
    const issuer = parsed.packets.length === 1 ? parsed.packets[0]!.issuerFingerprint : null;
    return issuer ? Array.from(issuer, (b) => b.toString(16).padStart(2, '0')).join('') : null;
  } catch {
    return null;
  }
}

function checkSignaturePacket(parsed: Signature, publicKey: NodePublicKey): VerifyResult | undefined {
  if (parsed.packets.length !== 1) return invalid(`expected exactly one signature, found ${parsed.packets.length}`);
  const packet = parsed.packets[0]!;
  if (packet.signatureType !== enums.signature.binary) {
    return invalid(`expected a binary-document signature, got signature type ${packet.signatureType}`);
  }
  const issuer = packet.issuerKeyID;
  if (!publicKey.getKeyIDs().some((id) => id.equals(issuer))) {
    return {
      ok: false,
      code: 'BUNDLE_SIGNER_MISMATCH',
      message: `signed by key id ${issuer.toHex()}, expected key ${fingerprintOf(publicKey)}`,
    };
  }
  return undefined;
}

function invalid(message: string): VerifyResult {
  return { ok: false, code: 'BUNDLE_SIGNATURE_INVALID', message };
}
