import { describe, expect, it } from 'vitest';
import { CedarPolicyEngine, DEFAULT_POLICY_TEXT, type AgreementTerms } from '@palermo/policy';
import { INDICATOR_TYPES } from '@palermo/indicators';
import type { NodeConfig, NodeKeys } from '../node/node-context';
import type { PolicyHolder } from '../policy/policy.holder';
import { ImportDecider, ORIGIN_IS_SELF } from './import.decider';

// us-hsi imports from de-bka, which relays nl-police's indicators (onward sharing).
const engine = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
const decider = new ImportDecider(
  { current: () => ({ engine, version: 1 }) } as unknown as PolicyHolder,
  {} as NodeKeys,
  { nodeId: 'us-hsi', policy: { adequacy: [] } } as unknown as NodeConfig,
);
const now = new Date('2026-03-01T00:00:00.000Z');
const agreement = (onward: boolean): AgreementTerms => ({
  id: '01890a5d-ac96-774b-bcce-b302099a8057', partner: 'de-bka', directions: ['export', 'import'], types: [...INDICATOR_TYPES], maxTlp: 'amber',
  purposes: ['investigation'], retentionDays: null, pseudonymize: [], lookups: false, onward, validFrom: '2026-01-01T00:00:00.000Z', validUntil: null, state: 'active',
});
const facts = (origin: string) => ({ type: 'email' as const, tlp: 'green' as const, confidence: 80, tags: [], firstSeen: '2026-01-01T00:00:00.000Z', origin });
const from = (onward: boolean) => ({ publisher: 'de-bka', jurisdiction: 'DE', audience: 'us-hsi', agreement: agreement(onward) });

describe('ImportDecider: relayed indicators', () => {
  it('keeps an indicator another origin shared only under an agreement with the publisher that allows onward sharing', () => {
    expect(decider.judge(engine, [facts('nl-police')], from(true), now)[0]!.action).toBe('accept');
    expect(decider.judge(engine, [facts('nl-police')], from(false), now)[0]).toEqual({ action: 'reject', reasons: ['baseline.onward-not-agreed'] });
  });

  it("the publisher's own indicators need no onward term", () => {
    expect(decider.judge(engine, [facts('de-bka')], from(false), now)[0]!.action).toBe('accept');
  });

  it('never takes its own indicator back from a partner that relays it', () => {
    expect(decider.judge(engine, [facts('us-hsi')], from(true), now)[0]).toEqual({ action: 'reject', reasons: [ORIGIN_IS_SELF] });
  });
});
