import { describe, expect, it } from 'vitest';
import type { Store } from '@palermo/store';
import type { NodeConfig } from '../node/node-context';
import type { LookupQuerier, PartnerLookupResult } from './lookup.querier';
import type { LookupTableBuilder } from './lookup.table';
import { LookupsService } from './lookups.service';

// A hit whose record could not be kept cannot be named by POST /disclosures: the answer says so
// (disclosable: false) instead of a later, misleading DISCLOSURE_HIT_UNKNOWN.
const ACTOR = { tokenId: '0190a000-0000-7000-8000-0000000000aa', name: 'analyst-a' };
const answers: PartnerLookupResult[] = [
  { partner: 'de-bka', requestId: '0190a000-0000-7000-8000-000000000001', result: 'hit', reference: 'de-bka:x' } as PartnerLookupResult,
  { partner: 'us-hsi', requestId: '0190a000-0000-7000-8000-000000000002', result: 'no-hit' } as PartnerLookupResult,
];

function service(recordAsked: () => Promise<void>) {
  const store = {
    partners: { list: async () => [{ nodeId: 'de-bka' }, { nodeId: 'us-hsi' }] },
    audit: { append: async () => undefined },
    disclosures: { recordAsked },
  } as unknown as Store;
  const querier = { ask: async (partner: string) => answers.find((a) => a.partner === partner)! } as unknown as LookupQuerier;
  return new LookupsService(store, querier, {} as LookupTableBuilder, { nodeId: 'nl-police', jurisdiction: 'NL' } as NodeConfig);
}

const body = { type: 'email' as const, value: 'a@example.org', partners: ['de-bka', 'us-hsi'], purpose: 'investigation' };

describe('LookupsService hits', () => {
  it('marks a recorded hit disclosable', async () => {
    const { results } = await service(async () => undefined).lookup(body, ACTOR);
    expect(results).toEqual([expect.objectContaining({ partner: 'de-bka', result: 'hit', disclosable: true }), expect.not.objectContaining({ disclosable: expect.anything() })]);
  });

  it('still answers when the hit could not be recorded, but says it cannot be disclosed', async () => {
    const { results } = await service(async () => Promise.reject(new Error('connection lost'))).lookup(body, ACTOR);
    expect(results[0]).toMatchObject({ partner: 'de-bka', result: 'hit', disclosable: false });
    expect(results[1]).toMatchObject({ result: 'no-hit' });
  });
});
