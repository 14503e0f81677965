import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { bundleHash, canonicalBytes, checkChain, parseBundleBytes, type ChainHead } from '@palermo/bundles';
import { INDICATOR_TYPES, type Tlp, type WireIndicator } from '@palermo/indicators';
import { CedarPolicyEngine, DEFAULT_POLICY_TEXT, type AgreementTerms } from '@palermo/policy';
import type { AgreementRecord, PendingExport } from '@palermo/store';
import type { PolicyHolder } from '../policy/policy.holder';
import { COMMUNITY, encryptionRecipients, type ExportAudience } from './export.audiences';
import { ExportPlanner, type AudiencePlan, type SharedAudiences } from './export.planner';

const me = 'nl-police';
const partner = 'de-bka';
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
  lookups: false,
  validFrom: '2025-01-01T00:00:00.000Z',
  validUntil: null,
  state: 'active',
};
const toPartner: ExportAudience = { audience: partner, partner: { nodeId: partner, jurisdiction: 'DE', adequacy: true }, agreement };

function planner(text = DEFAULT_POLICY_TEXT): ExportPlanner {
  const live = { engine: CedarPolicyEngine.compile(text), version: 3 };
  return new ExportPlanner({ current: () => live } as unknown as PolicyHolder);
}

function pending(n: number, tlp: Tlp, revokedEvery = 0): PendingExport[] {
  return Array.from({ length: n }, (_, i) => {
    const indicator: WireIndicator = {
      id: uuidv7(),
      origin: me,
      version: 1,
      type: 'email',
      value: `user${i}.${tlp}@example.org`,
      tlp,
      confidence: 60,
      tags: ['ht:recruitment'],
      firstSeen: '2025-01-01T00:00:00.000Z',
      lastSeen: '2025-02-01T00:00:00.000Z',
      validUntil: null,
      modifiedAt: '2025-02-01T00:00:00.000Z',
      ...(i % 3 === 0 ? { description: `Anzeige „${i}“ 🙂` } : {}),
    };
    const revoked = revokedEvery > 0 && i % revokedEvery === 0 ? { at: '2025-03-01T00:00:00.000Z', reason: 'closed' } : null;
    return { id: indicator.id, version: 1, indicator, revoked };
  });
}

function entriesOf(plans: AudiencePlan[], audience: string) {
  return plans.find((p) => p.audience === audience)?.entries ?? [];
}

describe('ExportPlanner.decide', () => {
  it('puts CLEAR on the community chain once, GREEN and AMBER on the partner chain, and withholds RED everywhere', () => {
    const items = [...pending(2, 'clear'), ...pending(2, 'green'), ...pending(2, 'amber'), ...pending(2, 'red'), ...pending(2, 'amber+strict')];
    const plans = planner().decide([COMMUNITY, toPartner], items, new Map(), now);
    const ids = (audience: string) => entriesOf(plans, audience).map((e) => (e.op === 'upsert' ? e.indicator.id : e.id));
    expect(ids('all')).toEqual(items.slice(0, 2).map((p) => p.id));
    expect(ids(partner)).toEqual(items.slice(2, 6).map((p) => p.id));
    // Every pending indicator has a decision per audience, with the rules that decided it.
    for (const plan of plans) {
      expect(plan.decisions).toHaveLength(items.length);
      for (const d of plan.decisions) expect(d.reasons.length).toBeGreaterThan(0);
      expect(plan.decisions.every((d) => d.policyVersion === 3)).toBe(true);
    }
    const partnerDecisions = plans[1].decisions;
    expect(partnerDecisions.slice(0, 2).map((d) => d.reasons)).toEqual([expect.arrayContaining(['export.via-community']), expect.arrayContaining(['export.via-community'])]);
    expect(partnerDecisions.slice(6).every((d) => d.action === 'withhold' && d.agreementId === agreement.id)).toBe(true);
  });

  it('strips the free text when the policy permits share but not shareRaw', () => {
    const text = `${DEFAULT_POLICY_TEXT}\n@id("test.no-raw-email")\nforbid (principal, action == Palermo::Action::"shareRaw", resource) when { resource.type == "email" };\n`;
    const items = pending(3, 'green');
    const plans = planner(text).decide([COMMUNITY, toPartner], items, new Map(), now);
    const upserts = entriesOf(plans, partner).flatMap((e) => (e.op === 'upsert' ? [e.indicator] : []));
    expect(upserts).toHaveLength(3);
    expect(upserts.every((i) => i.description === undefined)).toBe(true);
    expect(plans[1].decisions.every((d) => d.action === 'share-stripped' && d.reasons.includes('test.no-raw-email'))).toBe(true);
  });

  it('sends a revocation only where some version went, with its reason only where the current version may go', () => {
    const [red] = pending(1, 'red', 1);
    const [amber] = pending(1, 'amber', 1);
    const [never] = pending(1, 'green', 1);
    const shared: SharedAudiences = new Map([
      [red.id, new Map([[partner, 1]])],
      [amber.id, new Map([[partner, 1]])],
    ]);
    const plans = planner().decide([COMMUNITY, toPartner], [red, amber, never], shared, now);
    expect(entriesOf(plans, 'all')).toEqual([]);
    expect(entriesOf(plans, partner)).toEqual([
      { op: 'revoke', id: red.id, reason: 'revoked by the origin' },
      { op: 'revoke', id: amber.id, reason: 'closed' },
    ]);
  });

  it('sends the revocation\'s own reason only where free text may go (share), a generic one where only share-stripped is allowed', () => {
    const text = `${DEFAULT_POLICY_TEXT}\n@id("test.no-raw-email")\nforbid (principal, action == Palermo::Action::"shareRaw", resource) when { resource.type == "email" };\n`;
    const [revoked] = pending(1, 'green', 1);
    const plans = planner(text).decide([COMMUNITY, toPartner], [revoked], new Map([[revoked.id, new Map([[partner, 1]])]]), now);
    expect(entriesOf(plans, partner)).toEqual([{ op: 'revoke', id: revoked.id, reason: 'revoked by the origin' }]);
    expect(plans[1].decisions[0]!.reasons).toEqual(expect.arrayContaining(['test.no-raw-email', 'export.revoked-by-origin']));
  });

  it('in a backfill, counts as delivered on the community chain only what that chain already carries', () => {
    const [carried, never] = pending(2, 'clear');
    const plans = planner().decide([COMMUNITY, toPartner], [carried, never], new Map([[carried.id, new Map([['all', 1]])]]), now, 'backfill');
    // `never` was not CLEAR (or not allowed on `all`) when it changed last: the partner gets it on its own chain.
    expect(entriesOf(plans, partner).map((e) => (e.op === 'upsert' ? e.indicator.id : e.id))).toEqual([never.id]);
  });

  it('does not resend what a partner already holds at this version (backfill or change), but still withdraws', () => {
    const [held, older] = pending(2, 'green');
    const [raised] = pending(1, 'red');
    const shared: SharedAudiences = new Map([
      [held.id, new Map([[partner, 1]])],
      [older.id, new Map([[partner, 1]])],
      [raised.id, new Map([[partner, 1]])],
    ]);
    for (const mode of ['backfill', 'changes'] as const) {
      const plans = planner().decide([COMMUNITY, toPartner], [held, { ...older, version: 2 }, { ...raised, version: 2 }], shared, now, mode);
      expect(entriesOf(plans, partner).map((e) => [e.op, e.op === 'upsert' ? e.indicator.id : e.id]), mode).toEqual([
        ['upsert', older.id],
        ['revoke', raised.id],
      ]);
    }
  });

  it('sends a partner no agreement covers any more only the revocations of what it holds, with the generic reason', () => {
    const [heldRevoked, notHeld] = pending(2, 'green', 1);
    const [live] = pending(1, 'green');
    const plan = planner().revocationsFor(partner, [heldRevoked, { ...notHeld, revoked: { at: now.toISOString(), reason: 'named someone' } }, live], new Map([[heldRevoked.id, new Map([[partner, 1]])], [live.id, new Map([[partner, 1]])]]));
    expect(plan.entries).toEqual([{ op: 'revoke', id: heldRevoked.id, reason: 'revoked by the origin' }]);
    expect(plan.decisions).toEqual([expect.objectContaining({ action: 'revoke', agreementId: null, reasons: ['export.revoked-by-origin', 'export.revocation-without-agreement'] })]);
  });

  it('withdraws an older version from a partner when the new one may no longer go there (TLP raised)', () => {
    const [raised] = pending(1, 'red');
    const plans = planner().decide([COMMUNITY, toPartner], [{ ...raised, version: 2 }], new Map([[raised.id, new Map([[partner, 1], ['all', 1]])]]), now);
    expect(entriesOf(plans, partner)).toEqual([{ op: 'revoke', id: raised.id, reason: 'withdrawn by the origin' }]);
    expect(plans[1].decisions[0]).toMatchObject({ action: 'revoke', reasons: expect.arrayContaining(['export.withdrawn']) });
    // CLEAR on the community chain was "without limit": it is not chased.
    expect(entriesOf(plans, 'all')).toEqual([]);
  });
});

describe('ExportPlanner.cut', () => {
  it('yields linked bundles under the size limit and records which bundle and entry each decision became', () => {
    const p = planner();
    const items = [...pending(60, 'clear'), ...pending(40, 'amber')];
    const plans = p.decide([COMMUNITY, toPartner], items, new Map(), now);
    const heads = new Map<string, ChainHead | null>([
      ['all', { seq: 7, hash: 'c'.repeat(64) }],
      [partner, null],
    ]);
    const maxBytes = 8_000;
    for (const plan of plans) {
      const made = [...p.cut(me, plan, heads.get(plan.audience) ?? null, maxBytes)];
      expect(made.length).toBeGreaterThan(1);
      for (const { bundle, bytes, hash } of made) {
        expect(Buffer.from(bytes).equals(Buffer.from(canonicalBytes(bundle)))).toBe(true);
        expect(hash).toBe(bundleHash(bytes));
        expect(bytes.length).toBeLessThanOrEqual(maxBytes);
        expect(parseBundleBytes(bytes, { maxBytes })).toMatchObject({ ok: true, hash });
        expect(checkChain(heads.get(plan.audience) ?? null, bundle)).toEqual({ ok: true });
        heads.set(plan.audience, { seq: bundle.seq, hash });
        bundle.entries.forEach((entry, entryIndex) => {
          const id = entry.op === 'upsert' ? entry.indicator.id : entry.id;
          expect(plan.decisions.find((d) => d.originId === id)).toMatchObject({ bundleHash: hash, entryIndex });
        });
      }
      if (plan.audience === 'all') expect(made[0].bundle).toMatchObject({ seq: 8, prev: 'c'.repeat(64) });
    }
  });
});

describe('encrypted partner chains', () => {
  const toRedPartner: ExportAudience = { ...toPartner, agreement: { ...agreement, maxTlp: 'red' } };
  const partnerRecord = { nodeId: partner, jurisdiction: 'DE', fingerprint: 'ab'.repeat(20), armoredPublicKey: '', createdAt: '', updatedAt: '' };
  const agreementRecord = (encrypt: boolean) => ({ ...agreement, encrypt }) as unknown as AgreementRecord;

  it('sends RED and AMBER+STRICT on a partner chain whose agreement reaches RED, in bundles marked restricted, never on the community chain', () => {
    const items = [...pending(2, 'green'), ...pending(1, 'red'), ...pending(1, 'amber+strict')];
    const p = planner();
    const plans = p.decide([COMMUNITY, toRedPartner], items, new Map(), now);
    expect(entriesOf(plans, 'all')).toEqual([]);
    expect(entriesOf(plans, partner)).toHaveLength(4);
    const [partnerPlan] = plans.filter((plan) => plan.audience === partner);
    expect([...partnerPlan!.restricted]).toEqual([2, 3]);
    // Cut small enough that the GREEN entries and the restricted ones land in different bundles.
    const made = [...p.cut(me, partnerPlan!, null, 1000)];
    expect(made.length).toBeGreaterThan(1);
    for (const b of made) {
      const holdsRestricted = b.bundle.entries.some((e) => e.op === 'upsert' && ['red', 'amber+strict'].includes(e.indicator.tlp));
      expect(b.restricted).toBe(holdsRestricted);
    }
    expect(made[0]!.restricted).toBe(false);
    expect(made.at(-1)!.restricted).toBe(true);
    const community = plans.find((plan) => plan.audience === 'all')!;
    expect(community.decisions.filter((d) => d.reasons.includes('baseline.tlp-needs-encryption'))).toHaveLength(2);
  });

  it('marks a revocation of a RED indicator restricted too (its reason may be the analyst\'s free text)', () => {
    const [red] = pending(1, 'red', 1);
    const shared: SharedAudiences = new Map([[red!.id, new Map([[partner, 1]])]]);
    const plan = planner().decide([toRedPartner], [red!], shared, now)[0]!;
    expect(plan.entries).toEqual([{ op: 'revoke', id: red!.id, reason: 'closed' }]);
    expect([...plan.restricted]).toEqual([0]);
  });

  it('encryptionRecipients: the partner key for restricted bundles or an agreement that requires it; never on the community chain', () => {
    const plain = encryptionRecipients([partnerRecord], [agreementRecord(false)]);
    expect(plain(partner, false)).toBeNull();
    expect(plain(partner, true)).toBe(partnerRecord.fingerprint);
    expect(plain('all', true)).toBeNull();
    const always = encryptionRecipients([partnerRecord], [agreementRecord(true)]);
    expect(always(partner, false)).toBe(partnerRecord.fingerprint);
    expect(() => plain('us-hsi', true)).toThrow(expect.objectContaining({ code: 'PARTNER_NOT_PINNED' }));
  });
});
