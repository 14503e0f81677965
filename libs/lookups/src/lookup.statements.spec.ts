import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LOOKUP_MATCH_RESULT_SPEC,
  LOOKUP_MATCH_SPEC,
  LOOKUP_REQUEST_SPEC,
  LOOKUP_RESPONSE_SPEC,
  MAX_LOOKUP_MESSAGE_BYTES,
  parseLookupMatch,
  parseLookupMatchResult,
  parseLookupMessage,
  parseLookupRequest,
  parseLookupResponse,
} from './lookup.statements';

const requestId = '019ad9c2-3b4f-7c10-9a2b-3c4d5e6f7a8b';
const request = {
  spec: LOOKUP_REQUEST_SPEC,
  requester: 'nl-police',
  responder: 'de-bka',
  type: 'phone',
  blindedElement: '609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c',
  purpose: 'investigation',
  requestId,
  at: '2026-12-06T14:00:00.000Z',
};
const response = { spec: LOOKUP_RESPONSE_SPEC, requestId, evaluatedElement: '7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e', keyEpoch: 3 };
const match = { spec: LOOKUP_MATCH_SPEC, requestId, prfOutput: 'ab'.repeat(64), keyEpoch: 3 };
const hit = { spec: LOOKUP_MATCH_RESULT_SPEC, requestId, hit: true, reference: 'hit-019ad9c2' };
const miss = { spec: LOOKUP_MATCH_RESULT_SPEC, requestId, hit: false };
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('lookup messages', () => {
  it.each([
    ['request', request, parseLookupRequest],
    ['response', response, parseLookupResponse],
    ['match', match, parseLookupMatch],
    ['hit', hit, parseLookupMatchResult],
    ['miss', miss, parseLookupMatchResult],
  ] as const)('reads a valid %s, as an object and off the wire', (_name, message, parse) => {
    expect(parse(message)).toEqual({ ok: true, message });
    expect(parseLookupMessage(bytes(message))).toEqual({ ok: true, message });
  });

  const REQUEST_FAULTS: [string, Record<string, unknown>][] = [
    ['an unknown field', { value: '+31612345678' }],
    ['a requester that is not a node id', { requester: 'NL Police' }],
    ['the community audience as responder', { responder: 'all' }],
    ['itself as responder', { responder: 'nl-police' }],
    ['an unknown type', { type: 'name' }],
    ['an upper-case element', { blindedElement: request.blindedElement.toUpperCase() }],
    ['a short element', { blindedElement: request.blindedElement.slice(2) }],
    ['a base64url element', { blindedElement: 'YJoK5owVo89pA3ZkYTB-XIuy-V5-ZVDh_6LcmeQSgDw' }],
    ['a purpose with spaces', { purpose: 'just curious' }],
    ['a 200-character purpose', { purpose: 'a'.repeat(200) }],
    ['a uuid v4 request id', { requestId: '2f1c2f3e-4a5b-4c6d-8e7f-8091a2b3c4d5' }],
    ['a local time', { at: '2026-12-06T15:00:00+01:00' }],
    ['a timestamp as a number', { at: 1_765_000_000_000 }],
    ['another spec', { spec: 'palermo/lookup-request@2' }],
  ];
  it.each(REQUEST_FAULTS)('refuses a request with %s: LOOKUP_REQUEST_MALFORMED', (_name, change) => {
    expect(parseLookupRequest({ ...request, ...change })).toMatchObject({ ok: false, code: 'LOOKUP_REQUEST_MALFORMED' });
  });

  it.each<[string, unknown, (raw: unknown) => { ok: boolean }, string]>([
    ['a response with key epoch 0', { ...response, keyEpoch: 0 }, parseLookupResponse, 'LOOKUP_RESPONSE_MALFORMED'],
    ['a response with a fractional key epoch', { ...response, keyEpoch: 1.5 }, parseLookupResponse, 'LOOKUP_RESPONSE_MALFORMED'],
    ['a response with a key epoch as a string', { ...response, keyEpoch: '3' }, parseLookupResponse, 'LOOKUP_RESPONSE_MALFORMED'],
    ['a response with a proof (VOPRF is not this protocol)', { ...response, proof: 'ab' }, parseLookupResponse, 'LOOKUP_RESPONSE_MALFORMED'],
    ['a match with a 32-byte output', { ...match, prfOutput: 'ab'.repeat(32) }, parseLookupMatch, 'LOOKUP_MATCH_MALFORMED'],
    ['a match without its key epoch', { spec: LOOKUP_MATCH_SPEC, requestId, prfOutput: match.prfOutput }, parseLookupMatch, 'LOOKUP_MATCH_MALFORMED'],
    ['a hit without a reference', { ...hit, reference: undefined }, parseLookupMatchResult, 'LOOKUP_MATCH_RESULT_MALFORMED'],
    ['a miss with a reference', { ...miss, reference: 'r1' }, parseLookupMatchResult, 'LOOKUP_MATCH_RESULT_MALFORMED'],
    ['a reference with a newline', { ...hit, reference: 'r1\nforged log line' }, parseLookupMatchResult, 'LOOKUP_MATCH_RESULT_MALFORMED'],
    ['a 129-character reference', { ...hit, reference: 'r'.repeat(129) }, parseLookupMatchResult, 'LOOKUP_MATCH_RESULT_MALFORMED'],
    ['hit as a string', { ...miss, hit: 'false' }, parseLookupMatchResult, 'LOOKUP_MATCH_RESULT_MALFORMED'],
    ['an array', [request], parseLookupRequest, 'LOOKUP_REQUEST_MALFORMED'],
    ['null', null, parseLookupResponse, 'LOOKUP_RESPONSE_MALFORMED'],
  ])('refuses %s', (_name, raw, parse, code) => {
    expect(parse(raw)).toMatchObject({ ok: false, code });
  });

  it.each<[string, Uint8Array, string]>([
    ['more bytes than the limit', bytes({ ...request, purpose: 'x'.repeat(MAX_LOOKUP_MESSAGE_BYTES) }), 'LOOKUP_MESSAGE_OVERSIZE'],
    ['bytes that are not UTF-8', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), 'LOOKUP_MESSAGE_MALFORMED_JSON'],
    ['truncated JSON', bytes(JSON.stringify(request).slice(0, 40)), 'LOOKUP_MESSAGE_MALFORMED_JSON'],
    ['a byte-order mark', Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes(request)]), 'LOOKUP_MESSAGE_MALFORMED_JSON'],
    ['no spec', bytes({ ...request, spec: undefined }), 'LOOKUP_SPEC_UNKNOWN'],
    ['a bundle', bytes({ spec: 'palermo/bundle@1' }), 'LOOKUP_SPEC_UNKNOWN'],
    ['a spec named like a prototype key', bytes({ spec: 'constructor' }), 'LOOKUP_SPEC_UNKNOWN'],
    ['a JSON string', bytes('"palermo/lookup-request@1"'), 'LOOKUP_SPEC_UNKNOWN'],
    ['a __proto__ key', bytes(`{"__proto__":{"hit":true},${JSON.stringify(miss).slice(1)}`), 'LOOKUP_MATCH_RESULT_MALFORMED'],
    ['a second hit field turning a miss into a hit without a reference', bytes(`${JSON.stringify(miss).slice(0, -1)},"hit":true}`), 'LOOKUP_MATCH_RESULT_MALFORMED'],
  ])('refuses a message of %s', (_name, message, code) => {
    expect(parseLookupMessage(message)).toMatchObject({ ok: false, code });
  });

  it('takes only the specs the caller expects on that subject', () => {
    const onRequestSubject = [LOOKUP_REQUEST_SPEC, LOOKUP_MATCH_SPEC];
    expect(parseLookupMessage(bytes(match), onRequestSubject).ok).toBe(true);
    expect(parseLookupMessage(bytes(hit), onRequestSubject)).toMatchObject({ ok: false, code: 'LOOKUP_SPEC_UNKNOWN' });
  });

  it('never throws on any bytes or any JSON', () => {
    const anyJson = fc.oneof(
      fc.jsonValue(),
      fc.record({ spec: fc.constantFrom(LOOKUP_REQUEST_SPEC, LOOKUP_RESPONSE_SPEC, LOOKUP_MATCH_SPEC, LOOKUP_MATCH_RESULT_SPEC), hit: fc.jsonValue(), keyEpoch: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), anyJson.map(bytes)), (message) => {
        const parsed = parseLookupMessage(message);
        if (!parsed.ok) expect(parsed.code).toMatch(/^LOOKUP_[A-Z_]+$/);
      }),
      { numRuns: 500 },
    );
  });
});
