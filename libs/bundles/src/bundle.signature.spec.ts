import fc from 'fast-check';
import { createMessage, generateKey, sign } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from './bundle.codec';
import { flipBit, sampleBundle, utf8 } from './bundle.fixtures';
import { armorPublicKey, fingerprintOf, generateNodeKey, publicKeyOf, readPrivateKey, readPublicKey, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { armorSignature, dearmorSignature, signatureIssuer, signDetached, verifyDetached } from './bundle.signature';

let nlKey: NodePrivateKey;
let nlPublic: NodePublicKey;
let deKey: NodePrivateKey;
let nlArmoredPublic: string;
let nlFingerprint: string;
const bytes = canonicalBytes(sampleBundle(11));
let signature: Uint8Array;

beforeAll(async () => {
  const nl = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
  const de = await generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' });
  nlKey = await readPrivateKey(nl.armoredPrivateKey);
  nlPublic = await readPublicKey(nl.armoredPublicKey);
  deKey = await readPrivateKey(de.armoredPrivateKey);
  nlArmoredPublic = nl.armoredPublicKey;
  nlFingerprint = nl.fingerprint;
  signature = await signDetached(bytes, nlKey);
});

describe('node keys', () => {
  it('generateNodeKey: v4 EdDSA (legacy Ed25519) key, lower-hex v4 fingerprint, node id in the user id', async () => {
    expect(nlFingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(fingerprintOf(nlPublic)).toBe(nlFingerprint);
    expect(fingerprintOf(nlKey)).toBe(nlFingerprint);
    expect(nlPublic.keyPacket.version).toBe(4);
    expect(nlPublic.getAlgorithmInfo()).toEqual({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    expect(nlPublic.getUserIDs()).toEqual(['nl-police (palermo node, jurisdiction NL)']);
  });

  it('publicKeyOf / armorPublicKey give the same public key as the generated one', async () => {
    expect(fingerprintOf(publicKeyOf(nlKey))).toBe(nlFingerprint);
    expect(publicKeyOf(nlKey).isPrivate()).toBe(false);
    expect(fingerprintOf(await readPublicKey(armorPublicKey(publicKeyOf(nlKey))))).toBe(nlFingerprint);
    expect(armorPublicKey(nlPublic)).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });

  it.each([
    ['a bad node id', { nodeId: 'NL Police', jurisdiction: 'NL' }, 'NODE_ID_INVALID'],
    ['the reserved audience', { nodeId: 'all', jurisdiction: 'NL' }, 'NODE_ID_INVALID'],
    ['a bad jurisdiction', { nodeId: 'nl-police', jurisdiction: 'nld' }, 'JURISDICTION_INVALID'],
  ])('generateNodeKey refuses %s', async (_name, input, code) => {
    await expect(generateNodeKey(input)).rejects.toMatchObject({ code });
  });

  it('readPublicKey refuses a private key (secret material never goes where a public key belongs)', async () => {
    await expect(readPublicKey(nlKey.armor())).rejects.toMatchObject({ code: 'KEY_INVALID', message: /got a private key/ });
  });

  it('readPrivateKey refuses a public key, garbage and a passphrase-protected key', async () => {
    await expect(readPrivateKey(nlArmoredPublic)).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(readPublicKey('not a key')).rejects.toMatchObject({ code: 'KEY_INVALID' });
    const locked = await generateKey({ type: 'ecc', userIDs: [{ name: 'x' }], passphrase: 'secret', format: 'armored' });
    await expect(readPrivateKey(locked.privateKey)).rejects.toMatchObject({ code: 'KEY_INVALID', message: /passphrase/ });
  });

  it.each([
    ['a v6 Ed25519 key (GnuPG 2.2 cannot verify it)', { type: 'curve25519' as const, config: { v6Keys: true } }, /OpenPGP v6/],
    ['a v4 ECDSA P-256 key', { type: 'ecc' as const, curve: 'nistP256' as const }, /ecdsa/],
  ])('readPublicKey refuses %s with KEY_UNSUPPORTED', async (_name, options, message) => {
    const { publicKey } = await generateKey({ ...options, userIDs: [{ name: 'x' }], format: 'armored' });
    await expect(readPublicKey(publicKey)).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED', message });
  });
});

/** Byte offsets of the two MPI bit counts of a v4 EdDSA signature packet (new-format header). */
function mpiBitCountOffsets(sig: Uint8Array): number[] {
  let p = 2 + 4; // packet header, then version, type, public-key and hash algorithms
  p += 2 + ((sig[p]! << 8) | sig[p + 1]!); // hashed subpackets
  p += 2 + ((sig[p]! << 8) | sig[p + 1]!); // unhashed subpackets
  p += 2; // left 16 bits of the hash
  const r = p;
  const s = r + 2 + Math.ceil(((sig[r]! << 8) | sig[r + 1]!) / 8);
  return [r, r + 1, s, s + 1];
}

describe('signDetached / verifyDetached', () => {
  it('signatureIssuer names the fingerprint of the key that signed, null for what is not one signature', async () => {
    expect(await signatureIssuer(signature)).toBe(nlFingerprint);
    expect(await signatureIssuer(bytes)).toBeNull();
    expect(await signatureIssuer(new Uint8Array([...signature, ...signature]))).toBeNull();
  });

  it('verifies a signature by the pinned key and returns its fingerprint', async () => {
    expect(signature[0]).toBe(0xc2); // binary OpenPGP signature packet, not armor
    expect(await verifyDetached(bytes, signature, nlPublic)).toEqual({ ok: true, fingerprint: nlFingerprint });
    expect(await verifyDetached(bytes, signature, publicKeyOf(nlKey))).toEqual({ ok: true, fingerprint: nlFingerprint });
  });

  it('property: flipping any bit of the signed bytes → BUNDLE_SIGNATURE_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length * 8 - 1 }), async (bit) => {
        expect(await verifyDetached(flipBit(bytes, bit), signature, nlPublic)).toMatchObject({ ok: false, code: 'BUNDLE_SIGNATURE_INVALID' });
      }),
      { numRuns: 100 },
    );
  });

  it('property: flipping any bit of the signature → refused (except the MPI bit counts, which carry no signed data)', async () => {
    const slack = mpiBitCountOffsets(signature);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: signature.length * 8 - 1 }), async (bit) => {
        fc.pre(!slack.includes(bit >> 3));
        expect((await verifyDetached(bytes, flipBit(signature, bit), nlPublic)).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('a signature by another key → BUNDLE_SIGNER_MISMATCH naming both keys', async () => {
    const byDe = await signDetached(bytes, deKey);
    const result = await verifyDetached(bytes, byDe, nlPublic);
    expect(result).toMatchObject({ ok: false, code: 'BUNDLE_SIGNER_MISMATCH', message: expect.stringContaining(nlFingerprint) });
    expect(!result.ok && result.message).toContain(deKey.getKeyID().toHex());
  });

  it('another key forging the pinned key as issuer → BUNDLE_SIGNATURE_INVALID', async () => {
    const forged = Buffer.from(await signDetached(bytes, deKey));
    // Rewrite both issuer subpackets (key id, type 16; v4 fingerprint, type 33) to name the pinned key.
    const replace = (from: Buffer, to: Buffer): void => {
      const at = forged.indexOf(from);
      expect(at).toBeGreaterThan(0);
      to.copy(forged, at);
    };
    const id = (key: NodePrivateKey): Buffer => Buffer.from(key.getKeyID().toHex(), 'hex');
    const fpr = (key: NodePrivateKey): Buffer => Buffer.from(fingerprintOf(key), 'hex');
    replace(Buffer.concat([Buffer.from([0x09, 0x10]), id(deKey)]), Buffer.concat([Buffer.from([0x09, 0x10]), id(nlKey)]));
    replace(Buffer.concat([Buffer.from([0x16, 0x21, 0x04]), fpr(deKey)]), Buffer.concat([Buffer.from([0x16, 0x21, 0x04]), fpr(nlKey)]));
    expect(await verifyDetached(bytes, forged, nlPublic)).toMatchObject({ ok: false, code: 'BUNDLE_SIGNATURE_INVALID', message: /does not verify/ });
  });

  it.each<[string, () => Promise<Uint8Array>, RegExp]>([
    ['an empty signature', async () => new Uint8Array(0), /not an OpenPGP signature/],
    ['random bytes', async () => Uint8Array.from({ length: 120 }, (_, i) => (i * 37) & 0xff), /not an OpenPGP signature/],
    ['an armored signature where binary is expected', async () => utf8(armorSignature(signature)), /not an OpenPGP signature/],
    ['two signatures (pinned key + another)', async () => Uint8Array.from([...signature, ...(await signDetached(bytes, deKey))]), /exactly one signature/],
    ['a text-mode signature', async () => sign({ message: await createMessage({ text: new TextDecoder().decode(bytes) }), signingKeys: nlKey, detached: true, format: 'binary' }), /binary-document signature/],
  ])('%s → BUNDLE_SIGNATURE_INVALID', async (_name, makeSignature, message) => {
    expect(await verifyDetached(bytes, await makeSignature(), nlPublic)).toMatchObject({ ok: false, code: 'BUNDLE_SIGNATURE_INVALID', message });
  });

  it('armorSignature / dearmorSignature round-trip', async () => {
    const armored = armorSignature(signature);
    expect(armored).toMatch(/^-----BEGIN PGP SIGNATURE-----\n[\s\S]+-----END PGP SIGNATURE-----\n$/);
    expect(Buffer.from(await dearmorSignature(armored)).equals(Buffer.from(signature))).toBe(true);
    await expect(dearmorSignature(nlArmoredPublic)).rejects.toMatchObject({ code: 'SIGNATURE_ARMOR_INVALID' });
  });
});
