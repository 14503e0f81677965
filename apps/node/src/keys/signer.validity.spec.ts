import { describe, expect, it } from 'vitest';
import { judgeSigner, SUPERSEDED_GRACE_MS, type HistoricalKey } from './signer.validity';

const FP = 'a'.repeat(40);
const T = '2026-12-06T12:00:00.000Z';
const before = '2026-12-06T11:00:00.000Z';
const after = '2026-12-06T13:00:00.000Z';
const key = (over: Partial<HistoricalKey> = {}): HistoricalKey => ({ fingerprint: FP, supersededAt: null, compromisedAt: null, revocationReason: null, revokedAt: null, ...over });
const bundle = (createdAt: string) => ({ publisher: 'nl-police', createdAt });

describe('judgeSigner', () => {
  it('a key with no history signs valid bundles, without a note', () => {
    expect(judgeSigner(bundle(after), key(), new Date(after))).toEqual({ ok: true, note: null });
  });

  it.each([
    ['created before the rotation', before, true],
    ['created just after the rotation, within the in-flight grace', new Date(Date.parse(T) + SUPERSEDED_GRACE_MS - 1000).toISOString(), true],
    ['created after the grace', after, false],
    ['an unreadable creation time', 'not a time', false],
  ])('superseded key: %s → ok %s', (_label, createdAt, ok) => {
    const verdict = judgeSigner(bundle(createdAt), key({ supersededAt: T }), new Date(after));
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.code).toBe('KEY_SUPERSEDED');
    else expect(verdict.note).toContain('superseded');
  });

  it('compromised key: a bundle received before the compromise stays valid and says so', () => {
    const verdict = judgeSigner(bundle(before), key({ compromisedAt: T, revocationReason: 'key-compromise', revokedAt: after }), new Date(before));
    expect(verdict).toMatchObject({ ok: true, note: expect.stringContaining('revoked (key-compromise)') });
  });

  it('compromised key: created after the compromise → KEY_REVOKED', () => {
    expect(judgeSigner(bundle(after), key({ compromisedAt: T, revocationReason: 'key-compromise' }), new Date(after))).toMatchObject({ ok: false, code: 'KEY_REVOKED', message: expect.stringContaining('after') });
  });

  it('compromised key: a backdated bundle first seen after the compromise → KEY_REVOKED (whoever holds the key can backdate)', () => {
    expect(judgeSigner(bundle(before), key({ compromisedAt: T, revocationReason: 'key-compromise' }), new Date(after))).toMatchObject({ ok: false, code: 'KEY_REVOKED', message: expect.stringContaining('nothing independent') });
  });

  it('a compromise outranks the supersession grace: superseded then compromised at T, created after T → KEY_REVOKED', () => {
    const k = key({ supersededAt: T, compromisedAt: T, revocationReason: 'key-compromise' });
    expect(judgeSigner(bundle(new Date(Date.parse(T) + 1000).toISOString()), k, new Date(after))).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
  });

  it('retired (not compromised): created before the revocation stays valid even when received after', () => {
    expect(judgeSigner(bundle(before), key({ compromisedAt: T, revocationReason: 'retired' }), new Date(after))).toMatchObject({ ok: true });
  });
});
