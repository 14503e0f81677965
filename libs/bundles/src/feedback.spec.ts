import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '@palermo/indicators';
import { generateNodeKey, readPrivateKey, readPublicKey, type NodeKeyMaterial, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { armorSignature, signDetached } from './bundle.signature';
import {
  DISCLOSURE_DECISION_SPEC,
  DISCLOSURE_REQUEST_SPEC,
  DISPUTE_RESOLUTION_SPEC,
  DISPUTE_SPEC,
  FEEDBACK_SPECS,
  MAX_FEEDBACK_BYTES,
  MAX_FEEDBACK_TEXT,
  SIGHTING_SPEC,
  feedbackBytes,
  parseFeedbackBytes,
  signFeedback,
  verifyFeedback,
  type DisclosureDecisionFeedback,
  type DisclosureRequestFeedback,
  type DisputeFeedback,
  type DisputeResolutionFeedback,
  type FeedbackMessage,
  type SightingFeedback,
} from './feedback';

// Feedback messages (issue 5 items 3 and 5) on the wire: canonical bytes + detached OpenPGP signature. Every spec must
// sign and verify; everything else is refused with a stable code, before the signature is even looked at.

const ID = '01938c3e-7a10-7000-8000-000000000001';
const INDICATOR_ID = '01938c3e-7a10-7abc-9def-0123456789ab';
const LOOKUP_ID = '01938c3e-7a10-7111-a222-333344445555';
const HASH = 'ab'.repeat(32);
const indicator = { origin: 'nl-police', id: INDICATOR_ID };

const sighting: SightingFeedback = {
  spec: SIGHTING_SPEC,
  id: ID,
  from: 'de-bka',
  to: 'nl-police',
  at: '2026-12-06T10:00:00.000Z',
  indicator,
  count: 3,
  firstSeen: '2026-12-01T00:00:00.000Z',
  lastSeen: '2026-12-05T00:00:00.000Z',
};
const dispute: DisputeFeedback = {
  spec: DISPUTE_SPEC,
  id: ID,
  from: 'de-bka',
  to: 'nl-police',
  at: '2026-12-06T10:00:00.000Z',
  indicator,
  version: 2,
  kind: 'wrong-tags',
  // Tab and newline are fine in free text (only other control characters are refused).
  reason: 'Tagged as trafficking;\n\tit is a shelter’s hotline. Ünïcödé is fine.',
  suggestedTags: ['shelter', 'victim-support'],
};
const resolution: DisputeResolutionFeedback = {
  spec: DISPUTE_RESOLUTION_SPEC,
  id: '01938c3e-7a10-7000-8000-000000000002',
  from: 'nl-police',
  to: 'de-bka',
  at: '2026-12-06T11:00:00.000Z',
  disputeId: ID,
  indicator,
  state: 'accepted',
  note: 'Tags corrected in version 3.',
};
const request: DisclosureRequestFeedback = {
  spec: DISCLOSURE_REQUEST_SPEC,
  id: '01938c3e-7a10-7000-8000-000000000003',
  from: 'de-bka',
  to: 'nl-police',
  at: '2026-12-06T12:00:00.000Z',
  lookupRequestId: LOOKUP_ID,
  reference: 'nl-police:ref.42_a-b',
  purpose: 'investigation',
  legalBasis: 'Art. 12 Europol Regulation; bilateral MoU 2024',
  caseReference: 'DE-2026-0042',
};
const approved: DisclosureDecisionFeedback = {
  spec: DISCLOSURE_DECISION_SPEC,
  id: '01938c3e-7a10-7000-8000-000000000004',
  from: 'nl-police',
  to: 'de-bka',
  at: '2026-12-06T13:00:00.000Z',
  disclosureId: request.id,
  decision: 'approved',
  reason: 'Approved by the policy officer.',
  released: { bundleHash: HASH, indicator },
};
const { released: _released, ...withoutRelease } = approved;
const denied: DisclosureDecisionFeedback = { ...withoutRelease, decision: 'denied', reason: 'No legal basis for this purpose.' };

/** Every spec, at least once: [name, message]. Each is signed by its sender (from). */
const VALID: Array<[string, FeedbackMessage]> = [
  ['sighting', sighting],
  ['sighting seen once (firstSeen = lastSeen)', { ...sighting, count: 1, lastSeen: sighting.firstSeen }],
  ['dispute (wrong tags, suggested tags)', dispute],
  ['dispute (false positive, no suggested tags)', (({ suggestedTags: _t, ...d }) => ({ ...d, kind: 'false-positive' as const }))(dispute)],
  ['dispute resolution', resolution],
  ['disclosure request', request],
  ['disclosure decision: approved with the released bundle', approved],
  ['disclosure decision: denied', denied],
];

const utf8 = new TextEncoder();
const text = new TextDecoder();
/** Bytes of `value`: a string as is, anything else through JSON.stringify (NOT canonical key order). */
const raw = (value: unknown): Uint8Array => utf8.encode(typeof value === 'string' ? value : JSON.stringify(value));
/** Canonical bytes of something that may not be a valid message (so refusals test the schema, not the form). */
const canonical = (value: object): Uint8Array => feedbackBytes(value as FeedbackMessage);

describe('feedback messages', () => {
  const keys = new Map<string, { material: NodeKeyMaterial; priv: NodePrivateKey; pub: NodePublicKey }>();
  const key = (node: string) => keys.get(node)!;

  beforeAll(async () => {
    for (const [node, jurisdiction] of [['nl-police', 'NL'], ['de-bka', 'DE'], ['us-hsi', 'US']] as const) {
      const material = await generateNodeKey({ nodeId: node, jurisdiction });
      keys.set(node, { material, priv: await readPrivateKey(material.armoredPrivateKey), pub: await readPublicKey(material.armoredPublicKey) });
    }
  });

  it('covers every spec', () => {
    expect(new Set(VALID.map(([, m]) => m.spec))).toEqual(new Set(FEEDBACK_SPECS));
  });

  it.each(VALID)('%s: signs, and verifies with the sender’s key to the same message and hash', async (_name, message) => {
    const signed = await signFeedback(message, key(message.from).priv);
    expect(signed.bytes).toEqual(feedbackBytes(message));
    expect(signed.hash).toBe(createHash('sha256').update(signed.bytes).digest('hex'));
    expect(signed.signer).toBe(key(message.from).material.fingerprint);
    expect(signed.message).toEqual(message);
    expect(text.decode(signed.bytes)).toMatch(/^\{"at":"/); // RFC 8785: keys sorted
    expect(await verifyFeedback(signed.bytes, signed.signature, key(message.from).pub)).toEqual({ ok: true, message, hash: signed.hash });
    expect(parseFeedbackBytes(signed.bytes)).toEqual({ ok: true, message, hash: signed.hash });
  });

  it.each<[string, Uint8Array, string, RegExp?]>([
    ['oversize bytes', new Uint8Array(MAX_FEEDBACK_BYTES + 1).fill(0x20), 'FEEDBACK_OVERSIZE', /8193 bytes, the limit is 8192/],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'FEEDBACK_MALFORMED_JSON'],
    ['a lone surrogate half in UTF-8 (CESU)', Uint8Array.from([...raw('{"a":"'), 0xed, 0xa0, 0x80, ...raw('"}')]), 'FEEDBACK_MALFORMED_JSON'],
    ['not JSON', raw('sighting'), 'FEEDBACK_MALFORMED_JSON'],
    ['empty', new Uint8Array(0), 'FEEDBACK_MALFORMED_JSON'],
    ['canonical bytes behind a byte-order mark', Uint8Array.from([0xef, 0xbb, 0xbf, ...feedbackBytes(sighting)]), 'FEEDBACK_MALFORMED_JSON'],
    ['null', raw('null'), 'FEEDBACK_SCHEMA_INVALID', /spec: not one of/],
    ['an array', raw([sighting]), 'FEEDBACK_SCHEMA_INVALID', /spec: not one of/],
    ['an unknown spec', canonical({ ...sighting, spec: 'palermo/sighting@2' }), 'FEEDBACK_SCHEMA_INVALID', /spec: not one of/],
    ['another message kind’s spec (a receipt)', canonical({ ...sighting, spec: 'palermo/receipt@1' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['no spec', canonical((({ spec: _s, ...m }) => m)(sighting)), 'FEEDBACK_SCHEMA_INVALID'],
    ['a spec that is not a string', canonical({ ...sighting, spec: ['palermo/sighting@1'] }), 'FEEDBACK_SCHEMA_INVALID'],
    ['the fields of another spec under this one (dispute fields as a sighting)', canonical({ ...dispute, spec: SIGHTING_SPEC }), 'FEEDBACK_SCHEMA_INVALID'],
    ['an extra field (the indicator value smuggled in)', canonical({ ...sighting, value: '+31612345678' }), 'FEEDBACK_SCHEMA_INVALID', /value|unrecognized/i],
    ['an extra field in the indicator reference', canonical({ ...sighting, indicator: { ...indicator, value: 'x@example.org' } }), 'FEEDBACK_SCHEMA_INVALID'],
    ['an extra field in released', canonical({ ...approved, released: { ...approved.released, value: 'x' } }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a __proto__ key', raw(`{"__proto__":{"x":1},${text.decode(feedbackBytes(sighting)).slice(1)}`), 'FEEDBACK_SCHEMA_INVALID'],
    ['from = to (feedback to itself)', canonical({ ...sighting, to: 'de-bka' }), 'FEEDBACK_SCHEMA_INVALID', /to: a node sends no feedback to itself/],
    ['to the community audience `all`', canonical({ ...sighting, to: 'all' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a sender that is no node id (a subject wildcard)', canonical({ ...sighting, from: 'de.bka.>' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['an id that is a uuid v4', canonical({ ...sighting, id: '0f8fad5b-d9cb-469f-a165-70867728950e' }), 'FEEDBACK_SCHEMA_INVALID', /^id: /],
    ['an id in upper case', canonical({ ...sighting, id: ID.toUpperCase() }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a timestamp with an offset', canonical({ ...sighting, at: '2026-12-06T11:00:00.000+01:00' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a timestamp without milliseconds', canonical({ ...sighting, at: '2026-12-06T10:00:00Z' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['lastSeen before firstSeen', canonical({ ...sighting, lastSeen: '2026-11-30T23:59:59.999Z' }), 'FEEDBACK_SCHEMA_INVALID', /lastSeen: lastSeen is before firstSeen/],
    ['a count of 0', canonical({ ...sighting, count: 0 }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a fractional count', canonical({ ...sighting, count: 1.5 }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a count over 1,000,000', canonical({ ...sighting, count: 1_000_001 }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a count that is a string', canonical({ ...sighting, count: '3' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['an unknown dispute kind', canonical({ ...dispute, kind: 'malicious' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['version 0', canonical({ ...dispute, version: 0 }), 'FEEDBACK_SCHEMA_INVALID'],
    ['an empty reason', canonical({ ...dispute, reason: '' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a reason over the limit', canonical({ ...dispute, reason: 'x'.repeat(MAX_FEEDBACK_TEXT + 1) }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a BEL in the reason', canonical({ ...dispute, reason: 'ring\u0007' }), 'FEEDBACK_SCHEMA_INVALID', /reason: contains control characters/],
    ['an ANSI escape in the reason', canonical({ ...dispute, reason: '\u001b[2Jcleared your terminal' }), 'FEEDBACK_SCHEMA_INVALID', /control characters/],
    ['a carriage return in the reason (log forging)', canonical({ ...dispute, reason: 'ok\r2026-12-06 admin approved' }), 'FEEDBACK_SCHEMA_INVALID', /control characters/],
    ['a C1 control (U+009B, the 8-bit CSI) in the reason', canonical({ ...dispute, reason: 'x\u009b2Jy' }), 'FEEDBACK_SCHEMA_INVALID', /reason: contains control characters/],
    ['a right-to-left override in the reason (Trojan Source)', canonical({ ...dispute, reason: 'accepted \u202edevorppa ton' }), 'FEEDBACK_SCHEMA_INVALID', /reason: contains bidirectional controls/],
    ['a right-to-left isolate in the case reference', canonical({ ...request, caseReference: 'DE-\u20672026\u2069' }), 'FEEDBACK_SCHEMA_INVALID', /caseReference: contains bidirectional controls/],
    ['a NUL in the note', canonical({ ...resolution, note: 'a\u0000b' }), 'FEEDBACK_SCHEMA_INVALID', /note: contains control characters/],
    ['a DEL in the legal basis', canonical({ ...request, legalBasis: 'Art.\u007f12' }), 'FEEDBACK_SCHEMA_INVALID', /legalBasis: contains control characters/],
    ['a suggested tag that is no tag', canonical({ ...dispute, suggestedTags: ['Shelter Hotline'] }), 'FEEDBACK_SCHEMA_INVALID'],
    ['33 suggested tags', canonical({ ...dispute, suggestedTags: Array.from({ length: 33 }, (_, i) => `t${i}`) }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a resolution that leaves the dispute open', canonical({ ...resolution, state: 'open' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a resolution without the dispute id', canonical((({ disputeId: _d, ...r }) => r)(resolution)), 'FEEDBACK_SCHEMA_INVALID'],
    ['a purpose that is free text', canonical({ ...request, purpose: 'Because we want it' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['a reference with a space', canonical({ ...request, reference: 'ref 42' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['approved without released', canonical(withoutRelease), 'FEEDBACK_SCHEMA_INVALID', /released: released is present exactly when approved/],
    ['denied with released', canonical({ ...denied, released: approved.released }), 'FEEDBACK_SCHEMA_INVALID', /released: released is present exactly when approved/],
    ['released with a bundle hash in upper case', canonical({ ...approved, released: { bundleHash: HASH.toUpperCase(), indicator } }), 'FEEDBACK_SCHEMA_INVALID'],
    ['an unknown decision', canonical({ ...denied, decision: 'deferred' }), 'FEEDBACK_SCHEMA_INVALID'],
    ['valid but not canonical (key order)', raw(sighting), 'FEEDBACK_NOT_CANONICAL'],
    ['canonical plus a trailing space', raw(`${text.decode(feedbackBytes(sighting))} `), 'FEEDBACK_NOT_CANONICAL'],
    ['canonical but a number spelled 3.0', raw(text.decode(feedbackBytes(sighting)).replace('"count":3', '"count":3.0')), 'FEEDBACK_NOT_CANONICAL'],
    ['canonical but a character escaped (\\u0041)', raw(text.decode(feedbackBytes(request)).replace('"DE-2026', '"\\u0044E-2026')), 'FEEDBACK_NOT_CANONICAL'],
    ['a duplicate key (the last one wins in JSON.parse)', raw(text.decode(feedbackBytes(sighting)).replace('{"at"', '{"at":"2026-01-01T00:00:00.000Z","at"')), 'FEEDBACK_NOT_CANONICAL'],
  ])('refuses %s', (_name, bytes, code, message) => {
    const result = parseFeedbackBytes(bytes);
    expect(result).toMatchObject({ ok: false, code });
    if (message) expect((result as { message: string }).message).toMatch(message);
  });

  it('refuses a schema-valid message over the size limit (multi-byte text), also when signing', async () => {
    const big = { ...dispute, reason: '€'.repeat(MAX_FEEDBACK_TEXT), suggestedTags: Array.from({ length: 32 }, (_, i) => `tag-${i}-${'x'.repeat(55)}`) };
    expect(feedbackBytes(big).length).toBeGreaterThan(MAX_FEEDBACK_BYTES);
    // Schema-valid: the same message with a short reason parses.
    expect(parseFeedbackBytes(feedbackBytes({ ...big, reason: 'short' }))).toMatchObject({ ok: true });
    expect(parseFeedbackBytes(feedbackBytes(big))).toMatchObject({ ok: false, code: 'FEEDBACK_OVERSIZE' });
    await expect(signFeedback(big, key('de-bka').priv)).rejects.toMatchObject({ code: 'FEEDBACK_OVERSIZE' });
  });

  it('refuses bytes that are not a Uint8Array without throwing', () => {
    expect(parseFeedbackBytes('{}' as unknown as Uint8Array)).toMatchObject({ ok: false, code: 'FEEDBACK_MALFORMED_JSON' });
  });

  it.each<[string, FeedbackMessage, string]>([
    ['from = to', { ...sighting, to: 'de-bka' }, 'FEEDBACK_SCHEMA_INVALID'],
    ['lastSeen before firstSeen', { ...sighting, firstSeen: sighting.lastSeen, lastSeen: sighting.firstSeen }, 'FEEDBACK_SCHEMA_INVALID'],
    ['approved without released', { ...approved, released: undefined }, 'FEEDBACK_SCHEMA_INVALID'],
    ['an extra field', { ...sighting, value: '+31612345678' } as FeedbackMessage, 'FEEDBACK_SCHEMA_INVALID'],
    ['an unknown spec', { ...sighting, spec: 'palermo/sighting@2' } as unknown as FeedbackMessage, 'FEEDBACK_SCHEMA_INVALID'],
  ])('signFeedback refuses to sign what the other side would refuse: %s', async (_name, message, code) => {
    const err = await signFeedback(message, key('de-bka').priv).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code });
  });

  it('refuses a message signed by another key (us-hsi signing as de-bka): FEEDBACK_SIGNER_MISMATCH', async () => {
    const forged = await signFeedback(sighting, key('us-hsi').priv);
    expect(await verifyFeedback(forged.bytes, forged.signature, key('de-bka').pub)).toMatchObject({ ok: false, code: 'FEEDBACK_SIGNER_MISMATCH' });
    // The recipient's own key is no better.
    expect(await verifyFeedback(forged.bytes, forged.signature, key('nl-police').pub)).toMatchObject({ ok: false, code: 'FEEDBACK_SIGNER_MISMATCH' });
  });

  it('refuses bytes changed after signing: FEEDBACK_SIGNATURE_INVALID', async () => {
    const signed = await signFeedback(sighting, key('de-bka').priv);
    // Still a valid, canonical message — only the signature can tell.
    const tampered = feedbackBytes({ ...sighting, count: 300 });
    expect(parseFeedbackBytes(tampered)).toMatchObject({ ok: true });
    expect(await verifyFeedback(tampered, signed.signature, key('de-bka').pub)).toMatchObject({ ok: false, code: 'FEEDBACK_SIGNATURE_INVALID' });
    // Another valid message's signature does not transfer either.
    const other = await signFeedback(dispute, key('de-bka').priv);
    expect(await verifyFeedback(signed.bytes, other.signature, key('de-bka').pub)).toMatchObject({ ok: false, code: 'FEEDBACK_SIGNATURE_INVALID' });
  });

  it('refuses a signature that is not one, or is armored instead of binary', async () => {
    const signed = await signFeedback(sighting, key('de-bka').priv);
    for (const bad of [new Uint8Array([1, 2, 3]), new Uint8Array(0), utf8.encode(armorSignature(signed.signature))]) {
      expect(await verifyFeedback(signed.bytes, bad, key('de-bka').pub)).toMatchObject({ ok: false, code: 'FEEDBACK_SIGNATURE_INVALID' });
    }
  });

  it('checks the bytes before the signature: a good signature over non-canonical bytes is still refused', async () => {
    const bytes = raw(sighting);
    const signature = await signDetached(bytes, key('de-bka').priv);
    expect(await verifyFeedback(bytes, signature, key('de-bka').pub)).toMatchObject({ ok: false, code: 'FEEDBACK_NOT_CANONICAL' });
    const toItself = canonical({ ...sighting, to: 'de-bka' });
    expect(await verifyFeedback(toItself, await signDetached(toItself, key('de-bka').priv), key('de-bka').pub)).toMatchObject({ ok: false, code: 'FEEDBACK_SCHEMA_INVALID' });
  });
});

// As with bundles and statements, a partner or an auditor can check a feedback message with stock GnuPG 2.2.
describe('feedback messages and GnuPG 2.2', () => {
  const home = mkdtempSync(join(tmpdir(), 'palermo-gpg-feedback-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  function gpg(...args: string[]): { status: number | null; output: string } {
    const run = spawnSync('/usr/bin/gpg', ['--homedir', home, '--batch', '--no-autostart', '--no-tty', ...args], { encoding: 'utf8', timeout: 20_000 });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }

  it('gpg --verify accepts the detached signature over each spec’s bytes, and refuses changed bytes', async () => {
    const km = await generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' });
    const priv = await readPrivateKey(km.armoredPrivateKey);
    writeFileSync(join(home, 'de-bka.asc'), km.armoredPublicKey);
    expect(gpg('--import', join(home, 'de-bka.asc')).status).toBe(0);
    for (const message of [sighting, dispute, request]) {
      const signed = await signFeedback(message, priv);
      writeFileSync(join(home, 'feedback.json'), signed.bytes);
      writeFileSync(join(home, 'feedback.json.sig'), signed.signature);
      const good = gpg('--verify', join(home, 'feedback.json.sig'), join(home, 'feedback.json'));
      expect(good.output, message.spec).toContain('Good signature from "de-bka (palermo node, jurisdiction DE)"');
      expect(good.status).toBe(0);
    }
    const signed = await signFeedback(sighting, priv);
    writeFileSync(join(home, 'feedback.json'), feedbackBytes({ ...sighting, count: 4 }));
    writeFileSync(join(home, 'feedback.json.sig'), signed.signature);
    const bad = gpg('--verify', join(home, 'feedback.json.sig'), join(home, 'feedback.json'));
    expect(bad.output).toContain('BAD signature');
    expect(bad.status).not.toBe(0);
  }, 60_000);
});
