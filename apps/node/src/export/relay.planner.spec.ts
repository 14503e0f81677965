import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { INDICATOR_TYPES, type Tlp } from '@palermo/indicators';
import { CedarPolicyEngine, DEFAULT_POLICY_TEXT, type AgreementTerms } from '@palermo/policy';
import type { PendingRelay } from '@palermo/store';
import type { PolicyHolder } from '../policy/policy.holder';
import type { ExportAudience } from './export.audiences';
import { mergePlans, emptyPlan, type AudiencePlan, type SharedAudiences } from './export.planner';
import { RelayPlanner } from './relay.planner';

// B (this node) relays what it imported from origin A to partner C.
const [A, C, D] = ['nl-police', 'us-hsi', 'fr-police'];
const now = new Date('2026-01-01T00:00:00.000Z');

function terms(partner: string, overrides: Partial<AgreementTerms> = {}): AgreementTerms {
  return {
    id: `01890000-0000-7000-8000-00000000000${partner.length}`,
    partner,
    directions: ['export', 'import'],
    types: [...INDICATOR_TYPES],
    maxTlp: 'red',
    purposes: ['investigation'],
    retentionDays: null,
    pseudonymize: [],
    lookups: false,
    onward: true,
    validFrom: '2025-01-01T00:00:00.000Z',
    validUntil: null,
    state: 'active',
    ...overrides,
  };
}
const audience = (partner: string, overrides: Partial<AgreementTerms> = {}): ExportAudience => ({
  audience: partner,
  partner: { nodeId: partner, jurisdiction: 'US', adequacy: true },
  agreement: terms(partner, overrides),
});

function relayed(overrides: Partial<PendingRelay> & { tlp?: Tlp } = {}): PendingRelay {
  const { tlp = 'green', ...rest } = overrides;
  const id = uuidv7();
  return {
    id,
    originNode: A,
    receivedFrom: A,
    version: 1,
    pseudonymized: false,
    revoked: null,
    indicator: { id, origin: A, version: rest.version ?? 1, type: 'email', value: 'x@example.org', tlp, confidence: 60, tags: [], firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-01-01T00:00:00.000Z', validUntil: null, modifiedAt: '2025-01-01T00:00:00.000Z' },
    ...rest,
  };
}

function planner(): RelayPlanner {
  const live = { engine: CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT), version: 3 };
  return new RelayPlanner({ current: () => live } as unknown as PolicyHolder);
}

const origins = (overrides: Partial<AgreementTerms> = {}) => new Map([[A, terms(A, overrides)]]);
const none: SharedAudiences = new Map();
const entries = (plans: AudiencePlan[], to: string) => plans.find((p) => p.audience === to)?.entries ?? [];

describe('RelayPlanner', () => {
  it('relays an imported indicator with the origin id, origin and version when both agreements allow onward sharing', () => {
    const p = relayed({ version: 4 });
    const plans = planner().decide([audience(C)], [], [p], none, origins(), now);
    expect(entries(plans, C)).toEqual([{ op: 'upsert', indicator: p.indicator }]);
    expect(plans[0]!.decisions[0]).toMatchObject({ originId: p.id, version: 4, action: 'share', reasons: expect.arrayContaining(['export.relayed']) });
  });

  it.each([
    ['the agreement with the partner does not allow onward sharing', [audience(C, { onward: false })], origins(), []],
    ['the agreement with the origin does not allow it', [audience(C)], origins({ onward: false }), ['export.onward-not-agreed-with-origin']],
    ['the agreement with the origin is suspended', [audience(C)], origins({ state: 'suspended' }), ['export.onward-not-agreed-with-origin']],
    ['there is no agreement with the origin', [audience(C)], new Map<string, AgreementTerms>(), ['export.onward-not-agreed-with-origin']],
  ])('relays nothing when %s', (_name, open, from, reasons) => {
    const plans = planner().decide(open, [], [relayed()], none, from, now);
    expect(entries(plans, C)).toEqual([]);
    expect(plans.flatMap((p) => p.decisions).map((d) => d.reasons)).toEqual(reasons.length ? [reasons] : []);
  });

  it('never relays AMBER+STRICT or RED, pseudonymized imports, or back to the origin or the node it came from', () => {
    const strict = relayed({ tlp: 'amber+strict' });
    const red = relayed({ tlp: 'red' });
    const pseudonymized = relayed({ pseudonymized: true });
    const fromD = relayed({ receivedFrom: D });
    const plans = planner().decide([audience(C), audience(A), audience(D)], [], [strict, red, pseudonymized, fromD], none, origins(), now);
    expect(entries(plans, C).map((e) => (e.op === 'upsert' ? e.indicator.id : e.id))).toEqual([fromD.id]);
    expect(entries(plans, A)).toEqual([]);
    expect(entries(plans, D)).toEqual([]);
    const reasons = plans.find((p) => p.audience === C)!.decisions.map((d) => [d.originId, d.action, d.reasons.includes('baseline.strict-never-onward') || d.reasons.includes('export.relay-pseudonymized')]);
    expect(reasons).toEqual([
      [strict.id, 'withhold', true],
      [red.id, 'withhold', true],
      [pseudonymized.id, 'withhold', true],
      [fromD.id, 'share', false],
    ]);
  });

  it("sends the origin's revocation to every partner that got the indicator, open or not, and nowhere else", () => {
    const p = relayed({ revoked: { at: '2026-01-01T00:00:00.000Z', reason: 'informant named' } });
    const shared: SharedAudiences = new Map([[p.id, new Map([[C, 1], [D, 1]])]]);
    const plans = planner().decide([audience(C, { onward: false }), audience('be-police')], [D], [p], shared, origins({ onward: false }), now);
    const revoke = { op: 'revoke', id: p.id, reason: 'revoked by the origin' };
    expect(entries(plans, C)).toEqual([revoke]);
    expect(entries(plans, D)).toEqual([revoke]);
    expect(entries(plans, 'be-police')).toEqual([]);
    expect(plans.find((x) => x.audience === D)!.decisions[0]).toMatchObject({ action: 'revoke', agreementId: null });
  });

  it('sends nothing again for a version the partner already holds, and withdraws an older one the new version may not follow', () => {
    const same = relayed({ version: 2 });
    const raised = relayed({ version: 2, tlp: 'amber+strict' });
    const shared: SharedAudiences = new Map([[same.id, new Map([[C, 2]])], [raised.id, new Map([[C, 1]])]]);
    const plans = planner().decide([audience(C)], [], [same, raised], shared, origins(), now);
    expect(entries(plans, C)).toEqual([{ op: 'revoke', id: raised.id, reason: 'withdrawn by the origin' }]);
  });

  it('mergePlans: one plan per audience, entry and decision indexes shifted', () => {
    const first = emptyPlan(C);
    first.decisions.push({ audience: C, originId: 'a', version: 1, action: 'share', reasons: ['r'], policyVersion: 1, agreementId: null, bundleHash: null, entryIndex: null });
    first.entries.push({ op: 'revoke', id: 'a', reason: 'x' });
    first.entryDecision.push(0);
    const second = emptyPlan(C);
    second.decisions.push({ ...first.decisions[0]!, originId: 'b' });
    second.entries.push({ op: 'revoke', id: 'b', reason: 'x' });
    second.entryDecision.push(0);
    second.restricted.add(0);
    const [merged, other] = mergePlans([first, emptyPlan(D), second]);
    expect(merged).toMatchObject({ audience: C, entryDecision: [0, 1] });
    expect(merged!.entries).toHaveLength(2);
    expect([...merged!.restricted]).toEqual([1]);
    expect(other!.audience).toBe(D);
  });
});
