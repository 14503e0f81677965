import { Injectable } from '@nestjs/common';
import type { BundleEntry } from '@palermo/bundles';
import { allowsOnwardFrom, type AgreementTerms, type ExportDecision } from '@palermo/policy';
import type { ExportDecisionInput, PendingRelay } from '@palermo/store';
import { PolicyHolder } from '../policy/policy.holder';
import type { ExportAudience } from './export.audiences';
import { addEntry, emptyPlan, EXPORT_REASONS, stripped, WITHDRAWN_REASON, WITHHELD_REVOKE_REASON, type AudiencePlan, type SharedAudiences } from './export.planner';

/**
 * Onward sharing: what this node passes on of the indicators it imported from other origins. An
 * indicator goes to a partner only when both agreements allow it: this node's agreement with the
 * origin (`onward`, import side: the origin let it be passed on) and with the partner (`onward`,
 * export side), and the live policy, with `onward` in its context, shares it (the baseline never
 * relays AMBER+STRICT or RED, nor anything on the community chain). Entries keep the origin's id,
 * origin and version. A revocation by the origin reaches every partner this node relayed the
 * indicator to, whatever the agreement's state.
 */
@Injectable()
export class RelayPlanner {
  constructor(private readonly policy: PolicyHolder) {}

  /**
   * Decides pending relayed indicators for the partner chains this node may write (`open`) and those
   * that only take revocations (`closed`). `origins` are this node's agreements by partner.
   */
  decide(open: readonly ExportAudience[], closed: readonly string[], pending: readonly PendingRelay[], shared: SharedAudiences, origins: ReadonlyMap<string, AgreementTerms>, now: Date): AudiencePlan[] {
    const { engine, version } = this.policy.current();
    const plans: AudiencePlan[] = [];
    for (const target of open) {
      if (!target.partner || !target.agreement) continue;
      const onward = target.agreement.onward === true;
      // Never back to the origin or to the node it came from; a chain that neither allows onward nor holds it is not concerned.
      const items = pending.filter((p) => target.audience !== p.originNode && target.audience !== p.receivedFrom && (onward || shared.get(p.id)?.has(target.audience)));
      const judged = items.filter((p) => !p.revoked && relayable(p, origins, now) === null);
      const verdicts = engine.decideExport(
        judged.map((p) => ({ indicator: p.indicator, audience: target.audience, partner: target.partner, agreement: target.agreement, encrypted: true, onward: true })),
        now,
      );
      const verdictOf = new Map(judged.map((p, i) => [p, verdicts[i]!]));
      const plan = emptyPlan(target.audience);
      const record = recorder(plan, target.audience, target.agreement.id, version);
      for (const p of items) decideRelay(p, verdictOf.get(p) ?? refusal(p, origins, now), shared.get(p.id)?.get(target.audience), onward, record);
      plans.push(plan);
    }
    for (const audience of closed) {
      const plan = emptyPlan(audience);
      const record = recorder(plan, audience, null, version);
      for (const p of pending) {
        if (!p.revoked || !shared.get(p.id)?.has(audience)) continue;
        record(p, 'revoke', [EXPORT_REASONS.revoked, EXPORT_REASONS.relayed, EXPORT_REASONS.withoutAgreement], { op: 'revoke', id: p.id, reason: WITHHELD_REVOKE_REASON });
      }
      if (plan.entries.length > 0) plans.push(plan);
    }
    return plans;
  }
}

type Record = (p: PendingRelay, action: ExportDecisionInput['action'], reasons: string[], entry?: BundleEntry) => void;

function recorder(plan: AudiencePlan, audience: string, agreementId: string | null, policyVersion: number): Record {
  return (p, action, reasons, entry) => {
    plan.decisions.push({ audience, originId: p.id, version: p.version, action, reasons, policyVersion, agreementId, bundleHash: null, entryIndex: null });
    if (entry) addEntry(plan, entry, p);
  };
}

function decideRelay(p: PendingRelay, verdict: ExportDecision, held: number | undefined, onward: boolean, record: Record): void {
  const holds = held !== undefined;
  if (p.revoked) {
    // The origin's revocation goes wherever this node relayed the indicator; its free text stays home.
    if (holds) record(p, 'revoke', [EXPORT_REASONS.revoked, EXPORT_REASONS.relayed], { op: 'revoke', id: p.id, reason: WITHHELD_REVOKE_REASON });
    return;
  }
  if (holds && held >= p.version) return;
  if (verdict.action === 'withhold' || !onward) {
    // A newer version that may not follow an older one withdraws it, as for own indicators.
    if (holds) return record(p, 'revoke', [...verdict.reasons, EXPORT_REASONS.withdrawn], { op: 'revoke', id: p.id, reason: WITHDRAWN_REASON });
    return record(p, 'withhold', verdict.reasons);
  }
  const indicator = verdict.action === 'share-stripped' ? stripped(p.indicator) : p.indicator;
  record(p, verdict.action, [...verdict.reasons, EXPORT_REASONS.relayed], { op: 'upsert', indicator });
}

/** Why an imported indicator may not be passed on at all, or null when the policy decides. */
function relayable(p: PendingRelay, origins: ReadonlyMap<string, AgreementTerms>, now: Date): string | null {
  if (p.pseudonymized) return EXPORT_REASONS.relayPseudonymized;
  if (!allowsOnwardFrom(origins.get(p.originNode), now)) return EXPORT_REASONS.onwardNotAgreedByOrigin;
  return null;
}

function refusal(p: PendingRelay, origins: ReadonlyMap<string, AgreementTerms>, now: Date): ExportDecision {
  return { action: 'withhold', reasons: [relayable(p, origins, now) ?? 'baseline.onward-not-agreed'] };
}
