import { createMessage, decrypt, encrypt, enums, readMessage, type Message } from 'openpgp';
import { DomainError, errorMessage } from '@palermo/indicators';
import { fingerprintOf, type NodePrivateKey, type NodePublicKey } from './bundle.keys';

/** The outcome of decryptBundle; never a throw. */
export type DecryptResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; code: 'BUNDLE_NOT_FOR_THIS_NODE' | 'BUNDLE_DECRYPT_FAILED' | 'BUNDLE_OVERSIZE'; message: string };

/**
 * Encrypts signed canonical bytes to one recipient's key (its Curve25519 encryption subkey) as a
 * binary OpenPGP message (SEIPD v1, uncompressed, no inner signature): the detached signature that
 * travels beside it still covers the canonical bytes, so sign first, then encrypt. GnuPG 2.2 reads
 * it (`gpg --decrypt`). Throws BUNDLE_ENCRYPTION_FAILED when the key cannot encrypt.
 */
export async function encryptBundle(bytes: Uint8Array, recipient: NodePublicKey): Promise<Uint8Array> {
  try {
    const message = await createMessage({ binary: bytes, format: 'binary' });
    // Uncompressed: the ciphertext is the plaintext plus ~100 bytes, so a bundle cut under the size
    // limit still fits it, and no compression-ratio side channel tells anything about the contents.
    return await encrypt({ message, encryptionKeys: recipient, format: 'binary', config: { preferredCompressionAlgorithm: enums.compression.uncompressed } });
  } catch (error) {
    throw new DomainError('BUNDLE_ENCRYPTION_FAILED', `cannot encrypt to key ${fingerprintOf(recipient)}: ${errorMessage(error)}`);
  }
}

/**
 * Decrypts a bundle payload with this node's private key, refusing what was not encrypted to it
 * (BUNDLE_NOT_FOR_THIS_NODE: no session key for any of its key ids), anything that does not decrypt
 * and authenticate (BUNDLE_DECRYPT_FAILED), and a plaintext above `maxBytes` (BUNDLE_OVERSIZE; a
 * compressed packet is cut off while it inflates, so a decompression bomb never fills memory).
 */
export async function decryptBundle(payload: Uint8Array, privateKey: NodePrivateKey, maxBytes: number): Promise<DecryptResult> {
  const config = { maxDecompressedMessageSize: maxBytes };
  let message: Message<Uint8Array>;
  try {
    message = await readMessage({ binaryMessage: payload, config });
  } catch (error) {
    return { ok: false, code: 'BUNDLE_DECRYPT_FAILED', message: `not an OpenPGP message: ${errorMessage(error)}` };
  }
  const recipients = message.getEncryptionKeyIDs();
  const own = privateKey.getKeyIDs();
  // A wildcard (anonymous) recipient may be anyone: only trying the key can tell.
  if (!recipients.some((id) => own.some((mine) => mine.equals(id, true)))) {
    const named = recipients.map((id) => id.toHex()).join(', ') || 'no recipient';
    return { ok: false, code: 'BUNDLE_NOT_FOR_THIS_NODE', message: `encrypted to ${named}, not to this node's key ${fingerprintOf(privateKey)}` };
  }
  let bytes: Uint8Array;
  try {
    // expectSigned false: the signature travels detached (Palermo-Signature) and is checked next.
    ({ data: bytes } = await decrypt({ message, decryptionKeys: privateKey, format: 'binary', expectSigned: false, config }));
  } catch (error) {
    const text = errorMessage(error);
    if (/decompressed message size exceeded/i.test(text)) return oversize(maxBytes);
    return { ok: false, code: 'BUNDLE_DECRYPT_FAILED', message: `does not decrypt: ${text}` };
  }
  if (bytes.byteLength > maxBytes) return oversize(maxBytes);
  return { ok: true, bytes };
}

/** Whether a key can receive encrypted bundles (it has a valid encryption subkey). */
export async function canEncryptTo(key: NodePublicKey): Promise<boolean> {
  try {
    await key.getEncryptionKey();
    return true;
  } catch {
    return false;
  }
}

function oversize(maxBytes: number): DecryptResult {
  return { ok: false, code: 'BUNDLE_OVERSIZE', message: `decrypted payload exceeds the limit of ${maxBytes} bytes` };
}
