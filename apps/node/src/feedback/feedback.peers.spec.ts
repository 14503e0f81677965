import { describe, expect, it, vi } from 'vitest';
import { SIGHTING_SPEC, type SightingFeedback } from '@palermo/bundles';
import type { Store } from '@palermo/store';
import type { ReceivedFeedback } from './feedback.handlers';
import type { NodeConfig } from '../node/node-context';
import { FeedbackPeers } from './feedback.peers';

// The origin's acceptance check sits in front of the sighting and dispute handlers
// (fromSharedPartner): a handler never sees a message the origin refuses. The facts come from a
// stand-in for the store; the rules themselves are feedback.rules.spec.ts.

const ID = '01900000-0000-7000-8000-0000000000aa';
const received = (from: string): ReceivedFeedback<SightingFeedback> => ({
  from,
  hash: 'a'.repeat(64),
  signer: 'f'.repeat(40),
  bytes: new Uint8Array(),
  signature: new Uint8Array(),
  message: { spec: SIGHTING_SPEC, id: '01900000-0000-7000-8000-000000000001', from, to: 'nl-police', at: '2026-12-06T12:00:00.000Z', indicator: { origin: 'nl-police', id: ID }, count: 1, firstSeen: '2026-12-01T00:00:00.000Z', lastSeen: '2026-12-01T00:00:00.000Z' },
});

function peers(sharedWith: string[]) {
  const store = {
    indicators: { getWithProvenance: async () => ({ indicator: { own: true } }) },
    exportDecisions: { wasSharedWith: async (_id: string, audiences: string[]) => audiences.some((a) => sharedWith.includes(a)) },
    agreements: { activeFor: async (partner: string) => ({ partner, state: 'active', validFrom: '2026-01-01T00:00:00.000Z', validUntil: null, directions: ['export'] }) },
  } as unknown as Store;
  return new FeedbackPeers(store, { nodeId: 'nl-police' } as NodeConfig);
}

describe('FeedbackPeers.fromSharedPartner', () => {
  it('passes a message from a partner the indicator was sent to on to the handler', async () => {
    const handler = vi.fn(async () => undefined);
    expect(await peers(['de-bka']).fromSharedPartner(handler)(received('de-bka'))).toBeUndefined();
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('returns the refusal, without calling the handler, for a partner the indicator was never sent to', async () => {
    const handler = vi.fn(async () => undefined);
    expect(await peers(['de-bka']).fromSharedPartner(handler)(received('us-hsi'))).toMatchObject({ code: 'FEEDBACK_NOT_SHARED_WITH_SENDER' });
    expect(handler).not.toHaveBeenCalled();
  });
});
