import { describe, expect, it } from 'vitest';
import { nodeInboxPrefix } from '@palermo/federation';
import { PartnerNonces, replyNotToRequester } from './partner-request.check';

describe('replyNotToRequester', () => {
  it("accepts only a subject inside the requester's own inbox", () => {
    expect(replyNotToRequester(`${nodeInboxPrefix('de-bka')}.abc`, 'de-bka')).toBeNull();
    expect(replyNotToRequester(`${nodeInboxPrefix('nl-police')}.abc`, 'de-bka')).toMatch(/not to de-bka's inbox$/);
    expect(replyNotToRequester(nodeInboxPrefix('de-bka'), 'de-bka')).not.toBeNull();
    expect(replyNotToRequester('', 'de-bka')).toMatch(/^the answer would go to \(no reply subject\)/);
  });
});

describe('PartnerNonces', () => {
  it('remembers a nonce per requester for twice the clock skew', () => {
    const nonces = new PartnerNonces(500);
    expect(nonces.claim('de-bka', 'n1', 0)).toBe('fresh');
    expect(nonces.claim('nl-police', 'n1', 0)).toBe('fresh');
    expect(nonces.claim('de-bka', 'n1', 999)).toBe('replayed');
    expect(nonces.claim('de-bka', 'n1', 1_000)).toBe('fresh');
  });
});
