import { describe, expect, it } from 'vitest';
import type { NaturalKeyParts } from '@palermo/indicators';
import { unwrapLookup } from './lookup.result';
import { lookupInput } from './lookup.input';
import { blind, evaluate, finalize, generateKey, prfOutput, type LookupServerKey } from './lookup.oprf';
import {
  LOOKUP_MATCH_RESULT_SPEC,
  LOOKUP_MATCH_SPEC,
  LOOKUP_REQUEST_SPEC,
  LOOKUP_RESPONSE_SPEC,
  parseLookupMessage,
  type LookupMatchResult,
} from './lookup.statements';

const wire = (message: object): Uint8Array => new TextEncoder().encode(JSON.stringify(message));
const requestId = '019ad9c2-3b4f-7c10-9a2b-3c4d5e6f7a8b';

/** A responder as the node will wire it, in memory: one key epoch, a table of its indicators' PRF outputs, and what it saw. */
class Responder {
  readonly received: Uint8Array[] = [];
  private readonly table = new Map<string, string>();
  constructor(
    private readonly key: LookupServerKey,
    readonly epoch: number,
    holdings: [NaturalKeyParts, string][],
    tableKey = key,
  ) {
    for (const [parts, reference] of holdings) this.table.set(prfOutput(tableKey, unwrapLookup(lookupInput(parts)).input), reference);
  }
  answer(bytes: Uint8Array): object {
    this.received.push(bytes);
    const { message } = unwrapLookup(parseLookupMessage(bytes));
    if (message.spec === LOOKUP_REQUEST_SPEC) {
      const { evaluatedElement } = unwrapLookup(evaluate(this.key, message.blindedElement));
      return { spec: LOOKUP_RESPONSE_SPEC, requestId: message.requestId, evaluatedElement, keyEpoch: this.epoch };
    }
    if (message.spec !== LOOKUP_MATCH_SPEC) throw new Error(`unexpected ${message.spec}`);
    const reference = message.keyEpoch === this.epoch ? this.table.get(message.prfOutput) : undefined;
    return reference === undefined
      ? { spec: LOOKUP_MATCH_RESULT_SPEC, requestId, hit: false }
      : { spec: LOOKUP_MATCH_RESULT_SPEC, requestId, hit: true, reference };
  }
}

/** The querier's side of one lookup, every message through the wire parsers. */
function lookUp(responder: Responder, parts: NaturalKeyParts): LookupMatchResult {
  const { input } = unwrapLookup(lookupInput(parts));
  const blinded = blind(input);
  const request = { spec: LOOKUP_REQUEST_SPEC, requester: 'nl-police', responder: 'de-bka', type: parts.type, blindedElement: blinded.blindedElement, purpose: 'investigation', requestId, at: '2026-12-06T14:00:00.000Z' };
  const response = unwrapLookup(parseLookupMessage(wire(responder.answer(wire(request))), [LOOKUP_RESPONSE_SPEC])).message;
  if (response.spec !== LOOKUP_RESPONSE_SPEC) throw new Error('not a response');
  const { prfOutput: output } = unwrapLookup(finalize(input, blinded.blind, response.evaluatedElement));
  const match = { spec: LOOKUP_MATCH_SPEC, requestId, prfOutput: output, keyEpoch: response.keyEpoch };
  const result = unwrapLookup(parseLookupMessage(wire(responder.answer(wire(match))), [LOOKUP_MATCH_RESULT_SPEC])).message;
  return result as LookupMatchResult;
}

describe('a lookup, message by message', () => {
  const holdings: [NaturalKeyParts, string][] = [
    [{ type: 'phone', value: '+31612345678' }, 'hit-1'],
    [{ type: 'username', value: 'anna_b', platform: 'telegram' }, 'hit-2'],
  ];

  it('finds a value the responder holds and returns only its reference', () => {
    const responder = new Responder(generateKey(), 1, holdings);
    expect(lookUp(responder, { type: 'phone', value: '+31612345678' })).toEqual({ spec: LOOKUP_MATCH_RESULT_SPEC, requestId, hit: true, reference: 'hit-1' });
    expect(lookUp(responder, { type: 'username', value: 'anna_b', platform: 'telegram' })).toMatchObject({ hit: true, reference: 'hit-2' });
  });

  it('misses a value it does not hold, the same text under another type, or another platform', () => {
    const responder = new Responder(generateKey(), 1, holdings);
    expect(lookUp(responder, { type: 'phone', value: '+31612345679' })).toMatchObject({ hit: false });
    expect(lookUp(responder, { type: 'username', value: '+31612345678' })).toMatchObject({ hit: false });
    expect(lookUp(responder, { type: 'username', value: 'anna_b', platform: 'instagram' })).toMatchObject({ hit: false });
  });

  it('sends the responder nothing that spells the value', () => {
    const responder = new Responder(generateKey(), 1, holdings);
    lookUp(responder, { type: 'phone', value: '+31687654321' });
    const seen = responder.received.map((b) => new TextDecoder().decode(b)).join('\n');
    for (const fragment of ['+31687654321', '31687654321', '687654321', Buffer.from('+31687654321').toString('hex')]) expect(seen).not.toContain(fragment);
  });

  it('misses with a table of an older key epoch: tables are rebuilt on rotation', () => {
    const [epoch1, epoch2] = [generateKey(), generateKey()];
    // Answering with epoch 2's key while the table still holds epoch 1's outputs: nothing matches until it is rebuilt.
    expect(lookUp(new Responder(epoch2, 2, holdings, epoch1), { type: 'phone', value: '+31612345678' })).toMatchObject({ hit: false });
    expect(lookUp(new Responder(epoch2, 2, holdings, epoch2), { type: 'phone', value: '+31612345678' })).toMatchObject({ hit: true });
  });
});
