import { Injectable } from '@nestjs/common';
import { buildBundle, encodeIntoBundles, type BundleEntry, type EncodedBundle } from '@palermo/bundles';
import { COMMUNITY_AUDIENCE, DomainError, tlpRank, type WireIndicator } from '@palermo/indicators';
import { DEFAULT_DENY_REASON, type CedarPolicyEngine, type ExportDecision, type ExportRequest } from '@palermo/policy';
import type { ExportDecisionInput, PendingExport, StandingReleases } from '@palermo/store';
import { PolicyHolder } from '../policy/policy.holder';
import type { ExportAudience } from './export.audiences';

/** Where each chain stands before this batch: the head the next bundle links to. */
export type ChainHeads = Map<string, { seq: number; hash: string } | null>;

/** Which audiences already hold some version of an indicator (and were not sent its revocation), and the highest version each got. */
export type SharedAudiences = Map<string, Map<string, number>>;

/** One audience's share of a pass: its entries in order, and a decision for every pending indicator. */
export interface AudiencePlan {
  audience: string;
  entries: BundleEntry[];
  /** One per pending indicator; those that became entries get bundleHash/entryIndex when cut. */
  decisions: ExportDecisionInput[];
  /** For each entry, the index of its decision. */
  entryDecision: number[];
  /** Indexes of entries about a TLP:AMBER+STRICT or TLP:RED indicator: a bundle holding one is encrypted to its partner. */
  restricted: Set<number>;
}

/** An audience's bundle as cut, and whether it holds a restricted entry (so it must travel encrypted). */
export type CutBundle = EncodedBundle & { restricted: boolean };

// TLP 2.0: AMBER+STRICT and RED are for the recipient alone; on the wire that means encrypted to its key.
const RECIPIENT_ONLY_RANK = tlpRank('amber+strict');

/** The reason a revocation carries where the current version may not go, or only without its free text. */
export const WITHHELD_REVOKE_REASON = 'revoked by the origin';
/** The reason sent when a newer version may no longer go where an older one went. */
export const WITHDRAWN_REASON = 'withdrawn by the origin';

/** Reason ids the exporter adds to the policy's own. */
export const EXPORT_REASONS = {
  revoked: 'export.revoked-by-origin',
  withdrawn: 'export.withdrawn',
  viaCommunity: 'export.via-community',
  withoutAgreement: 'export.revocation-without-agreement',
  relayed: 'export.relayed',
  onwardNotAgreedByOrigin: 'export.onward-not-agreed-with-origin',
  relayPseudonymized: 'export.relay-pseudonymized',
} as const;

/**
 * Step 2–3: asks the live policy, per audience, what each pending indicator becomes (upsert,
 * upsert without free text, revoke, or nothing), records why, and cuts each audience's entries into
 * linked bundles under the size limit.
 */
@Injectable()
export class ExportPlanner {
  constructor(private readonly policy: PolicyHolder) {}

  /** Decides every pending indicator for every audience, the community chain first. */
  decide(
    audiences: readonly ExportAudience[],
    pending: readonly PendingExport[],
    shared: SharedAudiences,
    now: Date,
    mode: 'changes' | 'backfill' = 'changes',
    standing: StandingReleases = new Map(),
  ): AudiencePlan[] {
    const { engine, version } = this.policy.current();
    // Every partner also reads the community chain: what goes to `all` is not repeated per partner.
    const community = new Set<string>();
    return audiences.map((target) => {
      // A partner chain's bundle is encrypted to the partner whenever it holds a restricted entry
      // (and always when the agreement says so); the community chain never is.
      const encrypted = target.partner !== null;
      const requests = pending.map(({ indicator }) => ({ indicator, audience: target.audience, partner: target.partner, agreement: target.agreement, encrypted }));
      const verdicts = engine.decideExport(requests, now).map((verdict, i) => {
        // A partner that holds an approved release keeps getting its versions while the policy only
        // default-denies them: the approval stands (README "Disclosures after a hit"); forbids still win.
        const rule = standing.get(pending[i]!.id)?.get(target.audience);
        return rule && isDefaultDeny(verdict) && shared.get(pending[i]!.id)?.has(target.audience) ? approvedVerdict(engine, requests[i]!, rule, now) : verdict;
      });
      const plan = emptyPlan(target.audience);
      const record = (p: PendingExport, action: ExportDecisionInput['action'], reasons: string[], entry?: BundleEntry) => {
        plan.decisions.push({ audience: target.audience, originId: p.id, version: p.version, action, reasons, policyVersion: version, agreementId: target.agreement?.id ?? null, bundleHash: null, entryIndex: null });
        if (entry) addEntry(plan, entry, p);
      };
      pending.forEach((p, i) => {
        const held = shared.get(p.id)?.get(target.audience);
        // What the audience already holds at this version is not sent again (a backfill and a change can
        // meet; receivers would ignore it anyway); the decision that sent it stands.
        if (!p.revoked && held !== undefined && held >= p.version && verdicts[i].action !== 'withhold') {
          if (target.audience === COMMUNITY_AUDIENCE) community.add(p.id);
          return;
        }
        decideOne(target.audience, p, verdicts[i], held !== undefined, community, record);
      });
      // A backfill writes no community bundle: only what the community chain already carries counts as delivered there.
      if (target.audience === COMMUNITY_AUDIENCE && mode === 'backfill') for (const id of [...community]) if (!shared.get(id)?.has(COMMUNITY_AUDIENCE)) community.delete(id);
      return plan;
    });
  }

  /**
   * Revocations for a partner no agreement covers any more, of what it holds: a correction carries
   * only the id and a generic reason, never data, so it still goes (nothing else does).
   */
  revocationsFor(audience: string, pending: readonly PendingExport[], shared: SharedAudiences): AudiencePlan {
    const { version } = this.policy.current();
    const plan = emptyPlan(audience);
    for (const p of pending) {
      if (!p.revoked || !shared.get(p.id)?.has(audience)) continue;
      plan.decisions.push({ audience, originId: p.id, version: p.version, action: 'revoke', reasons: [EXPORT_REASONS.revoked, EXPORT_REASONS.withoutAgreement], policyVersion: version, agreementId: null, bundleHash: null, entryIndex: null });
      addEntry(plan, { op: 'revoke', id: p.id, reason: WITHHELD_REVOKE_REASON }, p);
    }
    return plan;
  }

  /**
   * The plan of a disclosure a policy officer approved: exactly one upsert of `item` on the
   * partner's chain, its decision naming `ruleId` (`disclosure:<id>`). The approval stands in for
   * the `share` permit the jurisdiction policy did not give (a default deny: the indicator is not
   * shared automatically), and is the recorded, explicit decision; the free text then goes only if
   * `shareRaw`, asked on its own, permits it (a forbid or a default deny there: share-stripped, the
   * forbid's id in the reasons). It lifts no forbid: the baseline
   * (agreement active with export, type agreed, TLP within the agreement, AMBER+STRICT/RED only
   * encrypted) and the jurisdiction's own forbids still hold (DISCLOSURE_POLICY_FORBIDS with their
   * ids), and a `share-stripped` verdict still leaves the free text at home.
   */
  disclosure(target: ExportAudience, item: PendingExport, ruleId: string, now: Date): AudiencePlan {
    const { engine, version } = this.policy.current();
    const request = { indicator: item.indicator, audience: target.audience, partner: target.partner, agreement: target.agreement, encrypted: true };
    const [gate] = engine.decideExport([request], now);
    const verdict = isDefaultDeny(gate) ? approvedVerdict(engine, request, ruleId, now) : gate.action === 'withhold' ? gate : { action: gate.action, reasons: [ruleId, ...gate.reasons] };
    if (verdict.action === 'withhold') {
      throw new DomainError('DISCLOSURE_POLICY_FORBIDS', `the sharing policy forbids releasing this indicator to ${target.audience} (${verdict.reasons.join(', ')}); an approval does not lift a forbid`, { reasons: verdict.reasons });
    }
    const action = verdict.action;
    const plan = emptyPlan(target.audience);
    plan.decisions.push({ audience: target.audience, originId: item.id, version: item.version, action, reasons: verdict.reasons, policyVersion: version, agreementId: target.agreement?.id ?? null, bundleHash: null, entryIndex: null });
    addEntry(plan, { op: 'upsert', indicator: action === 'share-stripped' ? stripped(item.indicator) : item.indicator }, item);
    return plan;
  }

  /**
   * Yields an audience's bundles one at a time, each with the canonical bytes and hash it is signed
   * and stored with (and whether it holds a restricted entry), and fills in which bundle and entry
   * each decision became. The chain links are made as the bundles are, so consume them in order.
   */
  *cut(publisher: string, plan: AudiencePlan, head: { seq: number; hash: string } | null, maxBytes: number): Generator<CutBundle, void, undefined> {
    let next = 0;
    // Chunks are sized against the widest header a chain can have, so the real seq and prev never
    // overflow them; each bundle links to the one made just before it.
    for (const encoded of encodeIntoBundles(plan.entries, maxBytes, (chunk, previous) => {
      const link = previous ? { seq: previous.bundle.seq, hash: previous.hash } : head;
      return buildBundle({ publisher, audience: plan.audience, seq: (link?.seq ?? 0) + 1, prev: link?.hash ?? null, entries: chunk });
    })) {
      let restricted = false;
      encoded.bundle.entries.forEach((_, entryIndex) => {
        restricted ||= plan.restricted.has(next);
        const decision = plan.decisions[plan.entryDecision[next++]];
        decision.bundleHash = encoded.hash;
        decision.entryIndex = entryIndex;
      });
      yield { ...encoded, restricted };
    }
  }
}

/** A withhold only because no permit applied: what a policy officer's approval may stand in for. */
function isDefaultDeny(verdict: ExportDecision): boolean {
  return verdict.action === 'withhold' && verdict.reasons.every((r) => r === DEFAULT_DENY_REASON);
}

/**
 * The verdict under an approval (`ruleId`) where `share` only default-denied: the approval stands in
 * for `share`, not for `shareRaw` — the gate never evaluates shareRaw when it denies, so the free
 * text is decided on its own: a permit lets it go, a forbid or a default deny keeps it home
 * (share-stripped, the forbid's id in the reasons); an evaluation error withholds.
 */
function approvedVerdict(engine: CedarPolicyEngine, request: ExportRequest, ruleId: string, now: Date): ExportDecision {
  const [raw] = engine.decideRawExport([request], now);
  return raw!.action === 'withhold' ? raw! : { action: raw!.action, reasons: [ruleId, ...raw!.reasons] };
}

/** A plan with no entries yet. */
export function emptyPlan(audience: string): AudiencePlan {
  return { audience, entries: [], decisions: [], entryDecision: [], restricted: new Set() };
}

/** Appends an entry for the plan's last decision. Revocations count too: a revoke of a RED indicator may carry the analyst's free-text reason. */
export function addEntry(plan: AudiencePlan, entry: BundleEntry, p: PendingExport): void {
  if (tlpRank(p.indicator.tlp) >= RECIPIENT_ONLY_RANK) plan.restricted.add(plan.entries.length);
  plan.entries.push(entry);
  plan.entryDecision.push(plan.decisions.length - 1);
}

type Record = (p: PendingExport, action: ExportDecisionInput['action'], reasons: string[], entry?: BundleEntry) => void;

function decideOne(audience: string, p: PendingExport, verdict: ExportDecision, holds: boolean, community: Set<string>, record: Record): void {
  if (p.revoked) {
    // A revocation goes wherever some version went; where the current one may not go, its reason stays home.
    if (!holds) return record(p, 'withhold', [...verdict.reasons, EXPORT_REASONS.revoked]);
    // The analyst's reason is free text: it travels only where free text may (a plain `share`).
    const reason = verdict.action === 'share' ? p.revoked.reason : WITHHELD_REVOKE_REASON;
    return record(p, 'revoke', [...verdict.reasons, EXPORT_REASONS.revoked], { op: 'revoke', id: p.id, reason });
  }
  if (verdict.action === 'withhold') {
    // A partner holding an older version that the new one may not follow gets it withdrawn (a v1
    // revoke: permanent). What went to the community chain was TLP:CLEAR, which cannot be taken back.
    if (holds && audience !== COMMUNITY_AUDIENCE) return record(p, 'revoke', [...verdict.reasons, EXPORT_REASONS.withdrawn], { op: 'revoke', id: p.id, reason: WITHDRAWN_REASON });
    return record(p, 'withhold', verdict.reasons);
  }
  if (audience === COMMUNITY_AUDIENCE) community.add(p.id);
  else if (community.has(p.id)) return record(p, verdict.action, [...verdict.reasons, EXPORT_REASONS.viaCommunity]);
  const indicator = verdict.action === 'share-stripped' ? stripped(p.indicator) : p.indicator;
  record(p, verdict.action, verdict.reasons, { op: 'upsert', indicator });
}

/**
 * One plan per audience: plans of the same audience (own changes, relayed indicators) become one, so
 * its chain is cut once from one head. Order of first appearance is kept.
 */
export function mergePlans(plans: readonly AudiencePlan[]): AudiencePlan[] {
  const byAudience = new Map<string, AudiencePlan>();
  for (const plan of plans) {
    const into = byAudience.get(plan.audience);
    if (!into) {
      byAudience.set(plan.audience, plan);
      continue;
    }
    const entryBase = into.entries.length;
    const decisionBase = into.decisions.length;
    into.entries.push(...plan.entries);
    into.decisions.push(...plan.decisions);
    into.entryDecision.push(...plan.entryDecision.map((d) => d + decisionBase));
    for (const r of plan.restricted) into.restricted.add(r + entryBase);
  }
  return [...byAudience.values()];
}

/** The indicator without its free text, which may name people the policy keeps at home. */
export function stripped(indicator: WireIndicator): WireIndicator {
  const { description: _dropped, ...rest } = indicator;
  return rest;
}
