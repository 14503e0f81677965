import { beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey, readPublicKey, type NodePrivateKey, type NodePublicKey } from '@palermo/bundles';
import { LOOKUP_REQUEST_SPEC, type LookupRequest } from '@palermo/lookups';
import { answerBytes, checkLookupSignature, openLookup, readAnswer, refusal, sealLookup } from './lookup.envelope';

const request: LookupRequest = {
  spec: LOOKUP_REQUEST_SPEC,
  requester: 'nl-police',
  responder: 'de-bka',
  type: 'email',
  blindedElement: 'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76',
  purpose: 'investigation',
  requestId: '01890a5d-ac96-774b-bcce-b302099a8057',
  at: '2026-12-06T12:00:00.000Z',
};

let key: NodePrivateKey;
let pub: NodePublicKey;
let other: NodePublicKey;

beforeAll(async () => {
  const made = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
  key = await readPrivateKey(made.armoredPrivateKey);
  pub = await readPublicKey(made.armoredPublicKey);
  other = await readPublicKey((await generateNodeKey({ nodeId: 'us-hsi', jurisdiction: 'US' })).armoredPublicKey);
});

describe('lookup envelope', () => {
  it('round-trips a signed request, verifiable with the signer key only', async () => {
    const opened = openLookup(await sealLookup('nl-police', request, key));
    if (!opened.ok) throw new Error(opened.message);
    expect(opened.envelope.message).toEqual(request);
    expect((await checkLookupSignature(opened.envelope, pub)).ok).toBe(true);
    expect((await checkLookupSignature(opened.envelope, other)).ok).toBe(false);
    expect((await checkLookupSignature({ ...opened.envelope, requester: 'us-hsi' }, pub)).ok).toBe(false);
  });

  it('refuses oversize, non-JSON, foreign specs, extra fields and malformed inner messages with codes', () => {
    const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
    expect(openLookup(new Uint8Array(4097))).toMatchObject({ ok: false, code: 'LOOKUP_MESSAGE_OVERSIZE' });
    expect(openLookup(enc('{'))).toMatchObject({ ok: false, code: 'LOOKUP_MESSAGE_MALFORMED_JSON' });
    expect(openLookup(enc([1]))).toMatchObject({ ok: false, code: 'LOOKUP_SPEC_UNKNOWN' });
    expect(openLookup(enc({ spec: 'palermo/lookup-signed@1', requester: 'nl-police', message: request, signature: 's', x: 1 }))).toMatchObject({ ok: false, code: 'LOOKUP_ENVELOPE_MALFORMED' });
    expect(openLookup(enc({ spec: 'palermo/lookup-signed@1', requester: 'NL', message: request, signature: 's' }))).toMatchObject({ ok: false, code: 'LOOKUP_ENVELOPE_MALFORMED' });
    expect(openLookup(enc({ spec: 'palermo/lookup-signed@1', requester: 'nl-police', message: { ...request, purpose: 'Bad Purpose' }, signature: 's' }))).toMatchObject({ ok: false, code: 'LOOKUP_REQUEST_MALFORMED' });
    expect(openLookup(enc({ spec: 'palermo/lookup-signed@1', requester: 'nl-police', message: { spec: 'palermo/lookup-response@1' }, signature: 's' }))).toMatchObject({ ok: false, code: 'LOOKUP_SPEC_UNKNOWN' });
  });

  it('reads answers and refusals; anything else is malformed', () => {
    expect(readAnswer(answerBytes(refusal('LOOKUP_RATE_LIMITED', 'slow down', { retryAfterSeconds: 12 })), 'palermo/lookup-response@1')).toMatchObject({ kind: 'refusal', refusal: { code: 'LOOKUP_RATE_LIMITED', retryAfterSeconds: 12 } });
    expect(readAnswer(answerBytes(refusal('bad code', 'x')), 'palermo/lookup-response@1').kind).toBe('malformed');
    expect(readAnswer(new TextEncoder().encode('{"spec":"palermo/lookup-match-result@1","requestId":"01890a5d-ac96-774b-bcce-b302099a8057","hit":false}'), 'palermo/lookup-response@1').kind).toBe('malformed');
    expect(readAnswer(new TextEncoder().encode('{"spec":"palermo/lookup-match-result@1","requestId":"01890a5d-ac96-774b-bcce-b302099a8057","hit":false}'), 'palermo/lookup-match-result@1')).toMatchObject({ kind: 'answer', message: { hit: false } });
  });
});
