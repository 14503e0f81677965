import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { INDICATOR_TYPES, type Tlp } from '@palermo/indicators';
import { CedarPolicyEngine, DEFAULT_POLICY_TEXT, type AgreementTerms } from '@palermo/policy';
import type { PendingExport } from '@palermo/store';
import type { PolicyHolder } from '../policy/policy.holder';
import type { ExportAudience } from './export.audiences';
import { ExportPlanner } from './export.planner';

// ExportPlanner.disclosure: what a policy officer's approval may release. It stands in for the
// permit a jurisdiction policy did not give, never for a forbid.
const me = 'de-bka';
const partner = 'nl-police';
const now = new Date('2026-01-01T00:00:00.000Z');
const agreement: AgreementTerms = {
  id: '01890000-0000-7000-8000-000000000001',
  partner,
  directions: ['export', 'import'],
  types: [...INDICATOR_TYPES],
  maxTlp: 'amber',
  purposes: ['investigation'],
  retentionDays: null,
  pseudonymize: [],
  lookups: true,
  validFrom: '2025-01-01T00:00:00.000Z',
  validUntil: null,
  state: 'active',
};
const target: ExportAudience = { audience: partner, partner: { nodeId: partner, jurisdiction: 'NL', adequacy: true }, agreement };

const NO_SHARE = '@id("de.lookup")\npermit (principal, action == Palermo::Action::"lookup", resource);\n';
// No `share` permit, but descriptions may go (a disclosure-only node that keeps no free text back).
const NO_SHARE_RAW_OK = `${NO_SHARE}@id("de.share-raw")\npermit (principal, action == Palermo::Action::"shareRaw", resource);\n`;
// deploy/policies/eu-data-minimization.cedar's forbid, on a node that shares nothing by itself.
const NO_SHARE_EU_RAW = `${NO_SHARE_RAW_OK}@id("eu.descriptions-need-adequacy")\nforbid (principal, action == Palermo::Action::"shareRaw", resource)\nunless { principal is Palermo::Partner && principal.adequacy };\n`;
const NO_RAW = '@id("de.share")\npermit (principal, action == Palermo::Action::"share", resource);\n';
const FORBID_LABOUR = `${DEFAULT_POLICY_TEXT}\n@id("de.keep-labour")\nforbid (principal, action in [Palermo::Action::"share", Palermo::Action::"shareRaw"], resource) when { resource.tags.contains("ht:labour") };\n`;

function planner(text: string): ExportPlanner {
  const live = { engine: CedarPolicyEngine.compile(text), version: 7 };
  return new ExportPlanner({ current: () => live } as unknown as PolicyHolder);
}

function item(tlp: Tlp = 'green', tags = ['ht:recruitment']): PendingExport {
  const id = uuidv7();
  return {
    id,
    version: 2,
    revoked: null,
    indicator: { id, origin: me, version: 2, type: 'email', value: 'a@example.org', tlp, confidence: 80, tags, firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-02-01T00:00:00.000Z', validUntil: null, modifiedAt: '2025-02-01T00:00:00.000Z', description: 'seen in ads' },
  };
}

describe('ExportPlanner.disclosure', () => {
  it('releases exactly the one indicator with its context when the policy would not share it by itself (default deny) but permits descriptions', () => {
    const p = item();
    const plan = planner(NO_SHARE_RAW_OK).disclosure(target, p, 'disclosure:x', now);
    expect(plan.entries).toEqual([{ op: 'upsert', indicator: p.indicator }]);
    expect(plan.decisions).toEqual([expect.objectContaining({ audience: partner, originId: p.id, version: 2, action: 'share', reasons: ['disclosure:x', 'de.share-raw'], policyVersion: 7, agreementId: agreement.id })]);
  });

  it('stands in for `share` only: without a shareRaw permit the free text stays at home', () => {
    const p = item();
    const plan = planner(NO_SHARE).disclosure(target, p, 'disclosure:x', now);
    expect(plan.entries).toEqual([{ op: 'upsert', indicator: expect.not.objectContaining({ description: expect.anything() }) }]);
    expect(plan.decisions).toEqual([expect.objectContaining({ action: 'share-stripped', reasons: ['disclosure:x', 'policy.default-deny'] })]);
  });

  it('keeps a shareRaw forbid (eu.descriptions-need-adequacy) when `share` only default-denies: no description, the forbid named', () => {
    const p = item();
    const plan = planner(NO_SHARE_EU_RAW).disclosure({ ...target, partner: { ...target.partner!, adequacy: false } }, p, 'disclosure:x', now);
    expect(JSON.stringify(plan.entries)).not.toContain('seen in ads');
    expect(plan.decisions).toEqual([expect.objectContaining({ action: 'share-stripped', reasons: ['disclosure:x', 'eu.descriptions-need-adequacy'] })]);
    // The same policy lets the free text go to a partner with adequacy.
    const adequate = planner(NO_SHARE_EU_RAW).disclosure(target, p, 'disclosure:x', now);
    expect(adequate.decisions[0]).toMatchObject({ action: 'share', reasons: ['disclosure:x', 'de.share-raw'] });
    expect(adequate.entries[0]).toMatchObject({ indicator: { description: 'seen in ads' } });
  });

  it('keeps the permits that would have shared it next to the disclosure rule', () => {
    const plan = planner(DEFAULT_POLICY_TEXT).disclosure(target, item(), 'disclosure:y', now);
    expect(plan.decisions[0]!.reasons[0]).toBe('disclosure:y');
    expect(plan.decisions[0]!.reasons).toContain('default.share');
  });

  it('leaves the free text at home when the policy shares only without it', () => {
    const plan = planner(NO_RAW).disclosure(target, item(), 'disclosure:z', now);
    expect(plan.decisions[0]!.action).toBe('share-stripped');
    expect(plan.entries[0]).toMatchObject({ op: 'upsert', indicator: expect.not.objectContaining({ description: expect.anything() }) });
  });

  it.each([
    ['a TLP above the agreement (baseline)', item('red'), NO_SHARE, 'baseline.tlp-above-agreement'],
    ['a type the agreement leaves out (baseline)', item(), NO_SHARE, 'baseline.type-not-agreed', { ...agreement, types: ['phone' as const] }],
    ['an agreement without export (baseline)', item(), NO_SHARE, 'baseline.export-not-agreed', { ...agreement, directions: ['import' as const] }],
    ['a forbid of the jurisdiction', item('green', ['ht:labour']), FORBID_LABOUR, 'de.keep-labour'],
  ])('never lifts a forbid: %s', (_name, p, text, rule, terms?: AgreementTerms) => {
    const to = terms ? { ...target, agreement: terms } : target;
    expect(() => planner(text).disclosure(to, p, 'disclosure:w', now)).toThrow(expect.objectContaining({ code: 'DISCLOSURE_POLICY_FORBIDS', message: expect.stringContaining(rule) }));
  });

  it('marks an AMBER+STRICT or RED entry restricted, so its bundle travels encrypted', () => {
    const plan = planner(NO_SHARE).disclosure({ ...target, agreement: { ...agreement, maxTlp: 'red' } }, item('amber+strict'), 'disclosure:v', now);
    expect([...plan.restricted]).toEqual([0]);
  });
});

// After an approval the partner holds the indicator; its later versions are decided under the same
// approval while the policy only default-denies them (README "Disclosures after a hit").
describe('ExportPlanner.decide after an approved release', () => {
  const NO_SHARE_FORBID_LABOUR = `${NO_SHARE_RAW_OK}@id("de.keep-labour")\nforbid (principal, action in [Palermo::Action::"share", Palermo::Action::"shareRaw"], resource) when { resource.tags.contains("ht:labour") };\n`;
  const held = (p: PendingExport, version = 1) => new Map([[p.id, new Map([[partner, version]])]]);
  const standing = (p: PendingExport) => new Map([[p.id, new Map([[partner, 'disclosure:x']])]]);
  const forPartner = (plans: ReturnType<ExportPlanner['decide']>) => plans.find((plan) => plan.audience === partner)!;

  it('sends a new version instead of withdrawing it', () => {
    const p = item();
    const plan = forPartner(planner(NO_SHARE_RAW_OK).decide([target], [p], held(p), now, 'changes', standing(p)));
    expect(plan.entries).toEqual([{ op: 'upsert', indicator: p.indicator }]);
    expect(plan.decisions[0]).toMatchObject({ action: 'share', reasons: ['disclosure:x', 'de.share-raw'] });
  });

  it('without an approval on record, a partner holding an older version gets it withdrawn (as before)', () => {
    const p = item();
    const plan = forPartner(planner(NO_SHARE_RAW_OK).decide([target], [p], held(p), now, 'changes'));
    expect(plan.entries).toEqual([{ op: 'revoke', id: p.id, reason: 'withdrawn by the origin' }]);
  });

  it('keeps a shareRaw forbid: the new version goes without its description', () => {
    const p = item();
    const to = { ...target, partner: { ...target.partner!, adequacy: false } };
    const plan = forPartner(planner(NO_SHARE_EU_RAW).decide([to], [p], held(p), now, 'changes', standing(p)));
    expect(plan.decisions[0]).toMatchObject({ action: 'share-stripped', reasons: ['disclosure:x', 'eu.descriptions-need-adequacy'] });
    expect(JSON.stringify(plan.entries)).not.toContain('seen in ads');
  });

  it('never outlasts a forbid: a version the policy forbids is withdrawn', () => {
    const p = item('green', ['ht:labour']);
    const plan = forPartner(planner(NO_SHARE_FORBID_LABOUR).decide([target], [p], held(p), now, 'changes', standing(p)));
    expect(plan.entries).toEqual([{ op: 'revoke', id: p.id, reason: 'withdrawn by the origin' }]);
    expect(plan.decisions[0]!.reasons).toContain('de.keep-labour');
  });

  it('a backfill of the version the partner already holds sends nothing and withdraws nothing', () => {
    const p = item();
    const plan = forPartner(planner(NO_SHARE_RAW_OK).decide([target], [p], held(p, p.version), now, 'backfill', standing(p)));
    expect(plan.entries).toEqual([]);
    expect(plan.decisions).toEqual([]);
  });

  it('stands only while the partner holds it: a withdrawn or never-received release does not come back', () => {
    const p = item();
    const plan = forPartner(planner(NO_SHARE_RAW_OK).decide([target], [p], new Map(), now, 'changes', standing(p)));
    expect(plan.entries).toEqual([]);
    expect(plan.decisions[0]).toMatchObject({ action: 'withhold' });
  });
});
