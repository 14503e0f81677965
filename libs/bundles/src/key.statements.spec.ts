import { beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey, type NodeKeyMaterial, type NodePrivateKey } from './bundle.keys';
import { makeKeyRevocation, signatureValidity, verifyKeyRevocation, type KeyRevocation, type SignedKeyRevocation } from './key.revocation';
import { makeKeyRotation, verifyKeyRotation, type SignedKeyRotation } from './key.rotation';
import { signStatement } from './signed.statement';

const NOW = new Date('2026-11-29T00:00:00.000Z');
const HOUR = 3_600_000;
const iso = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('key rotation and revocation statements', () => {
  // nl-police's old key, its new key, and an attacker's key (de-bka's, standing in for anyone's).
  let oldKm: NodeKeyMaterial;
  let newKm: NodeKeyMaterial;
  let evilKm: NodeKeyMaterial;
  let oldKey: NodePrivateKey;
  let newKey: NodePrivateKey;
  let evilKey: NodePrivateKey;
  let rotation: SignedKeyRotation;

  beforeAll(async () => {
    [oldKm, newKm, evilKm] = await Promise.all([
      generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' }),
      generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' }),
      generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' }),
    ]);
    [oldKey, newKey, evilKey] = await Promise.all([oldKm, newKm, evilKm].map((km) => readPrivateKey(km.armoredPrivateKey)));
    rotation = await makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: oldKey, newPrivateKey: newKey, newArmoredPublicKey: newKm.armoredPublicKey, at: NOW });
  });

  describe('rotation', () => {
    const verify = (raw: unknown, pinned = oldKm.armoredPublicKey, now = NOW) => verifyKeyRotation(raw, pinned, { nodeId: 'nl-police', now });

    it('a rotation signed by the pinned key and the new key verifies through JSON and yields the new key', async () => {
      const result = await verify(json(rotation));
      expect(result).toMatchObject({ ok: true, rotation: rotation.rotation });
      expect(result.ok && result.newKey.getFingerprint().toLowerCase()).toBe(newKm.fingerprint);
      expect(rotation.rotation).toEqual({ spec: 'palermo/key-rotation@1', nodeId: 'nl-police', oldFingerprint: oldKm.fingerprint, newFingerprint: newKm.fingerprint, newPublicKey: newKm.armoredPublicKey, at: NOW.toISOString() });
    });

    it('refuses a rotation not signed by the pinned old key (an attacker announcing its own key)', async () => {
      // The attacker copies the pinned fingerprint but can only sign with keys it holds.
      const forged = await makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: evilKey, newPrivateKey: newKey, newArmoredPublicKey: newKm.armoredPublicKey, at: NOW });
      expect(await verify(forged)).toMatchObject({ ok: false, code: 'ROTATION_OLD_KEY_NOT_PINNED' });
      const claimed = { ...forged, rotation: { ...forged.rotation, oldFingerprint: oldKm.fingerprint } };
      const resigned = { ...claimed, oldSignature: await signStatement(claimed.rotation, evilKey), newSignature: await signStatement(claimed.rotation, newKey) };
      expect(await verify(resigned)).toMatchObject({ ok: false, code: 'ROTATION_OLD_SIGNATURE_INVALID' });
      // Verified against another pinned key (de-bka's), nl-police's genuine statement is not de-bka's.
      expect(await verify(rotation, evilKm.armoredPublicKey)).toMatchObject({ ok: false, code: 'ROTATION_OLD_KEY_NOT_PINNED' });
    });

    it('refuses a rotation to a key whose holder did not sign it', async () => {
      const toEvil = { ...rotation.rotation, newFingerprint: evilKm.fingerprint, newPublicKey: evilKm.armoredPublicKey };
      // The old key signs (e.g. a confused operator), but the new signature is by someone else.
      const statement = { rotation: toEvil, oldSignature: await signStatement(toEvil, oldKey), newSignature: await signStatement(toEvil, newKey) };
      expect(await verify(statement)).toMatchObject({ ok: false, code: 'ROTATION_NEW_SIGNATURE_INVALID' });
    });

    it.each<[string, (r: SignedKeyRotation) => unknown, string]>([
      ['the new key swapped after signing', (r) => ({ ...r, rotation: { ...r.rotation, newPublicKey: evilKm.armoredPublicKey, newFingerprint: evilKm.fingerprint } }), 'ROTATION_OLD_SIGNATURE_INVALID'],
      ['the time changed after signing', (r) => ({ ...r, rotation: { ...r.rotation, at: iso(-HOUR) } }), 'ROTATION_OLD_SIGNATURE_INVALID'],
      ['the signatures swapped', (r) => ({ ...r, oldSignature: r.newSignature, newSignature: r.oldSignature }), 'ROTATION_OLD_SIGNATURE_INVALID'],
      ['the new signature replaced by the old one', (r) => ({ ...r, newSignature: r.oldSignature }), 'ROTATION_NEW_SIGNATURE_INVALID'],
      ['a new key changed after signing', (r) => ({ ...r, rotation: { ...r.rotation, newPublicKey: 'key' } }), 'ROTATION_OLD_SIGNATURE_INVALID'],
      ['another node', (r) => ({ ...r, rotation: { ...r.rotation, nodeId: 'de-bka' } }), 'ROTATION_NODE_MISMATCH'],
      ['a rotation to the same key', (r) => ({ ...r, rotation: { ...r.rotation, newFingerprint: oldKm.fingerprint } }), 'ROTATION_MALFORMED'],
      ['an unknown field', (r) => ({ ...r, rotation: { ...r.rotation, admin: true } }), 'ROTATION_MALFORMED'],
      ['a missing signature', (r) => ({ rotation: r.rotation, oldSignature: r.oldSignature }), 'ROTATION_MALFORMED'],
      ['a 100 KiB new key', (r) => ({ ...r, rotation: { ...r.rotation, newPublicKey: 'A'.repeat(100 * 1024) } }), 'ROTATION_MALFORMED'],
      ['a number', () => 42, 'ROTATION_MALFORMED'],
    ])('refuses %s', async (_name, tamper, code) => {
      expect(await verify(tamper(json(rotation)))).toMatchObject({ ok: false, code });
    });

    it.each<[string, (r: SignedKeyRotation['rotation']) => SignedKeyRotation['rotation'], string]>([
      ['a stated fingerprint that is not the new key\'s', (r) => ({ ...r, newFingerprint: evilKm.fingerprint }), 'ROTATION_FINGERPRINT_MISMATCH'],
      ['a new key that is no key', (r) => ({ ...r, newPublicKey: 'key' }), 'ROTATION_NEW_KEY_INVALID'],
      ['a private key as the new key', (r) => ({ ...r, newPublicKey: newKm.armoredPrivateKey }), 'ROTATION_NEW_KEY_INVALID'],
    ])('refuses, even signed by the pinned key, %s', async (_name, change, code) => {
      const bad = change(rotation.rotation);
      const statement = { rotation: bad, oldSignature: await signStatement(bad, oldKey), newSignature: await signStatement(bad, newKey) };
      expect(await verify(statement)).toMatchObject({ ok: false, code });
    });

    it('refuses a rotation dated in the future and a pinned key that is unreadable', async () => {
      expect(await verify(rotation, oldKm.armoredPublicKey, new Date(NOW.getTime() - HOUR))).toMatchObject({ ok: false, code: 'ROTATION_NOT_YET_VALID' });
      expect(await verify(rotation, 'pinned?')).toMatchObject({ ok: false, code: 'ROTATION_PINNED_KEY_INVALID' });
    });

    it('makeKeyRotation refuses a public key that is not the new private key\'s', async () => {
      await expect(makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: oldKey, newPrivateKey: newKey, newArmoredPublicKey: evilKm.armoredPublicKey, at: NOW })).rejects.toMatchObject({ code: 'ROTATION_INVALID' });
      await expect(makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: oldKey, newPrivateKey: oldKey, newArmoredPublicKey: oldKm.armoredPublicKey, at: NOW })).rejects.toMatchObject({ code: 'ROTATION_INVALID' });
    });
  });

  describe('revocation', () => {
    let bySelf: SignedKeyRevocation;
    let bySuccessor: SignedKeyRevocation;
    const expectNl = (extra: Partial<{ revokedKey: string; successorKey: string; now: Date }> = {}) => ({ nodeId: 'nl-police', revokedKey: oldKm.armoredPublicKey, successorKey: newKm.armoredPublicKey, now: NOW, ...extra });

    beforeAll(async () => {
      bySelf = await makeKeyRevocation({ nodeId: 'nl-police', fingerprint: oldKm.fingerprint, compromisedAt: new Date(NOW.getTime() - 2 * HOUR), reason: 'key-compromise', privateKey: oldKey, at: NOW });
      bySuccessor = await makeKeyRevocation({ nodeId: 'nl-police', fingerprint: oldKm.fingerprint, compromisedAt: new Date(NOW.getTime() - 2 * HOUR), reason: 'key-compromise', privateKey: newKey, at: NOW });
    });

    it('a revocation signed by the revoked key or by its successor verifies through JSON', async () => {
      expect(await verifyKeyRevocation(json(bySelf), expectNl({ successorKey: undefined }))).toEqual({ ok: true, revocation: bySelf.revocation });
      expect(await verifyKeyRevocation(json(bySuccessor), expectNl())).toEqual({ ok: true, revocation: bySuccessor.revocation });
      expect(bySuccessor.revocation).toEqual({
        spec: 'palermo/key-revocation@1', nodeId: 'nl-police', fingerprint: oldKm.fingerprint, reason: 'key-compromise', compromisedAt: iso(-2 * HOUR), at: NOW.toISOString(), signer: newKm.fingerprint,
      });
    });

    it('refuses a revocation signed by anyone else, even naming a pinned signer', async () => {
      const byEvil = await makeKeyRevocation({ nodeId: 'nl-police', fingerprint: oldKm.fingerprint, compromisedAt: NOW, reason: 'key-compromise', privateKey: evilKey, at: NOW });
      expect(await verifyKeyRevocation(byEvil, expectNl())).toMatchObject({ ok: false, code: 'REVOCATION_SIGNER_UNKNOWN' });
      const claimed = { ...byEvil.revocation, signer: newKm.fingerprint };
      expect(await verifyKeyRevocation({ revocation: claimed, signature: await signStatement(claimed, evilKey) }, expectNl())).toMatchObject({ ok: false, code: 'REVOCATION_SIGNATURE_INVALID' });
      // Signed by the successor, but the verifier pinned no successor.
      expect(await verifyKeyRevocation(bySuccessor, expectNl({ successorKey: undefined }))).toMatchObject({ ok: false, code: 'REVOCATION_SIGNER_UNKNOWN' });
    });

    it.each<[string, (r: SignedKeyRevocation) => unknown, string]>([
      ['an earlier compromise time', (r) => ({ ...r, revocation: { ...r.revocation, compromisedAt: iso(-48 * HOUR) } }), 'REVOCATION_SIGNATURE_INVALID'],
      ['another reason', (r) => ({ ...r, revocation: { ...r.revocation, reason: 'retired' } }), 'REVOCATION_SIGNATURE_INVALID'],
      ['another revoked key', (r) => ({ ...r, revocation: { ...r.revocation, fingerprint: newKm.fingerprint } }), 'REVOCATION_KEY_MISMATCH'],
      ['another node', (r) => ({ ...r, revocation: { ...r.revocation, nodeId: 'de-bka' } }), 'REVOCATION_NODE_MISMATCH'],
      ['an unknown reason', (r) => ({ ...r, revocation: { ...r.revocation, reason: 'because' } }), 'REVOCATION_MALFORMED'],
      ['a compromise after the revocation', (r) => ({ ...r, revocation: { ...r.revocation, compromisedAt: iso(HOUR) } }), 'REVOCATION_MALFORMED'],
      ['a time with an offset', (r) => ({ ...r, revocation: { ...r.revocation, at: '2026-11-29T01:00:00+01:00' } }), 'REVOCATION_MALFORMED'],
      ['an unknown field', (r) => ({ ...r, extra: 1 }), 'REVOCATION_MALFORMED'],
      ['a 1 MiB signature', (r) => ({ ...r, signature: 'x'.repeat(1 << 20) }), 'REVOCATION_MALFORMED'],
      ['a signature that is no signature', (r) => ({ ...r, signature: 'x' }), 'REVOCATION_SIGNATURE_INVALID'],
    ])('refuses %s', async (_name, tamper, code) => {
      expect(await verifyKeyRevocation(tamper(json(bySuccessor)), expectNl())).toMatchObject({ ok: false, code });
    });

    it('refuses a revocation issued in the future and unreadable keys', async () => {
      expect(await verifyKeyRevocation(bySelf, expectNl({ now: new Date(NOW.getTime() - HOUR) }))).toMatchObject({ ok: false, code: 'REVOCATION_NOT_YET_VALID' });
      expect(await verifyKeyRevocation(bySelf, expectNl({ revokedKey: 'x' }))).toMatchObject({ ok: false, code: 'REVOCATION_KEY_INVALID' });
      expect(await verifyKeyRevocation(bySuccessor, expectNl({ successorKey: 'x' }))).toMatchObject({ ok: false, code: 'REVOCATION_KEY_INVALID' });
    });

    describe('signatureValidity', () => {
      const revocation = (reason: KeyRevocation['reason']): KeyRevocation => ({ ...bySelf.revocation, reason });
      const bundle = (createdAt: string, receivedAt: string, attestedAt?: string) => ({ signer: oldKm.fingerprint, createdAt, receivedAt, ...(attestedAt ? { attestedAt } : {}) });

      it('a bundle by a key that is not revoked is valid', () => {
        expect(signatureValidity(bundle(iso(0), iso(0)), null)).toMatchObject({ status: 'valid' });
        expect(signatureValidity({ ...bundle(iso(0), iso(0)), signer: newKm.fingerprint }, revocation('key-compromise'))).toMatchObject({ status: 'valid' });
      });

      it('a bundle received before the compromise time stays valid and says so', () => {
        const result = signatureValidity(bundle(iso(-3 * HOUR), iso(-3 * HOUR)), revocation('key-compromise'));
        expect(result).toMatchObject({ status: 'valid-before-revocation', revocation: { fingerprint: oldKm.fingerprint } });
        expect(result.message).toContain('before');
      });

      it('a bundle signed after the compromise time is quarantined', () => {
        expect(signatureValidity(bundle(iso(-HOUR), iso(-HOUR)), revocation('key-compromise'))).toMatchObject({ status: 'quarantine', code: 'KEY_REVOKED' });
        expect(signatureValidity(bundle(iso(-HOUR), iso(-HOUR)), revocation('superseded'))).toMatchObject({ status: 'quarantine', code: 'KEY_REVOKED' });
      });

      it('after a compromise, a backdated bundle received late is quarantined unless independently attested', () => {
        const late = bundle(iso(-3 * HOUR), iso(-HOUR));
        expect(signatureValidity(late, revocation('key-compromise'))).toMatchObject({ status: 'quarantine', code: 'KEY_REVOKED', message: expect.stringContaining('nothing independent') });
        expect(signatureValidity({ ...late, attestedAt: iso(-150 * 60_000) }, revocation('key-compromise'))).toMatchObject({ status: 'valid-before-revocation' });
        // A superseded key is held by its owner only: its stated creation time stands.
        expect(signatureValidity(late, revocation('superseded'))).toMatchObject({ status: 'valid-before-revocation' });
      });

      it('unreadable times fail closed', () => {
        expect(signatureValidity(bundle('yesterday', 'today'), revocation('retired'))).toMatchObject({ status: 'quarantine' });
      });
    });
  });
});
