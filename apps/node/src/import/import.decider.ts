import { Inject, Injectable } from '@nestjs/common';
import type { WireIndicator } from '@palermo/indicators';
import { pseudonymize, type AgreementTerms, type ImportAction, type ImportDecision, type ImportPolicy, type IndicatorFacts } from '@palermo/policy';
import type { ImportEntryDecision } from '@palermo/store';
import { partnerFacts } from '../policy/partner.facts';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { PolicyHolder } from '../policy/policy.holder';
import type { VerifiedBundle } from './bundle.verifier';

/** What the import policy made of one verified bundle, ready to commit. */
export interface ImportPlan {
  decisions: ImportEntryDecision[];
  policyVersion: number;
  agreementId: string | null;
  /** When what was accepted must be purged (the agreement's retention), or null for no limit. */
  expiresAt: string | null;
}

/** Where a bundle came from, as the import policy sees it. */
export interface ImportSource {
  publisher: string;
  jurisdiction: string;
  audience: string;
  agreement: AgreementTerms | null;
  /** The bundle arrived encrypted to this node (TLP:AMBER+STRICT and TLP:RED are kept only then). */
  encrypted?: boolean;
}

/** Reason id when an indicator arrives from a node that did not originate it (kept for decisions recorded before onward sharing). */
export const ORIGIN_NOT_PUBLISHER = 'import.origin-not-publisher';
/** Reason id when a partner relays this node's own indicator back to it: the own row is the truth. */
export const ORIGIN_IS_SELF = 'import.origin-is-self';
/** The baseline rule that refuses a relayed indicator outside an agreement that allows onward sharing. */
const ONWARD_NOT_AGREED = 'baseline.onward-not-agreed';

const DAY_MS = 86_400_000;

/**
 * Rejections about the agreement or the sender rather than the new content: an older copy this node
 * imported lawfully stays (a suspension or a narrower agreement must not erase what was kept). Any
 * other rejection of a newer version (TLP raised, confidence lowered, ...) drops the older copy.
 */
const KEEP_OLDER_REASONS = new Set([
  'baseline.agreement-not-active',
  'baseline.import-not-agreed',
  'baseline.type-not-agreed',
  'policy.evaluation-error',
  'policy.request-invalid',
  // How it travelled, not what it says: a publisher's slip must not erase what arrived properly before.
  'baseline.tlp-arrived-unencrypted',
  ORIGIN_NOT_PUBLISHER,
  ORIGIN_IS_SELF,
  // Whether this partner may relay is about the agreement, not about what the origin says.
  ONWARD_NOT_AGREED,
]);

/** Step 5: runs this node's live import policy on every upsert of a verified bundle. */
@Injectable()
export class ImportDecider {
  constructor(
    private readonly policy: PolicyHolder,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Decides every upsert under the publisher's agreement (or its absence: then the baseline rejects all). */
  decide({ bundle, publisherJurisdiction, encryptedTo }: VerifiedBundle, agreement: AgreementTerms | null, now: Date): ImportPlan {
    const { engine, version } = this.policy.current();
    const upserts = bundle.entries.flatMap((entry, entryIndex) => (entry.op === 'upsert' ? [{ entryIndex, indicator: entry.indicator }] : []));
    const verdicts = this.judge(engine, upserts.map((u) => u.indicator), { publisher: bundle.publisher, jurisdiction: publisherJurisdiction, audience: bundle.audience, agreement, encrypted: encryptedTo !== null }, now);
    const decisions = upserts.map(({ entryIndex, indicator }, i) => this.shape(entryIndex, indicator, verdicts[i].action, verdicts[i].reasons));
    const retentionDays = agreement?.retentionDays ?? null;
    return {
      decisions,
      policyVersion: version,
      agreementId: agreement?.id ?? null,
      expiresAt: retentionDays ? new Date(now.getTime() + retentionDays * DAY_MS).toISOString() : null,
    };
  }

  /**
   * The verdict per upsert. The live importer and the policy simulator both come through here, so
   * a simulation with the live policy decides exactly as the import did.
   */
  judge(engine: ImportPolicy, indicators: readonly IndicatorFacts[], from: ImportSource, now: Date): ImportDecision[] {
    const publisher = partnerFacts({ nodeId: from.publisher, jurisdiction: from.jurisdiction }, this.config.policy.adequacy);
    const verdicts = engine.decideImport(indicators.map((indicator) => ({ indicator, publisher, audience: from.audience, agreement: from.agreement, encrypted: from.encrypted === true })), now);
    // A relayed indicator (origin ≠ publisher) is kept only under an onward agreement (the baseline's
    // onward-not-agreed); this node's own indicator relayed back never replaces the own row.
    return indicators.map((indicator, i) => (indicator.origin === this.config.nodeId ? { action: 'reject', reasons: [ORIGIN_IS_SELF] } : verdicts[i]));
  }

  private shape(entryIndex: number, indicator: WireIndicator, action: ImportAction, reasons: string[]): ImportEntryDecision {
    const keepsOlder = action === 'reject' && reasons.some((r) => KEEP_OLDER_REASONS.has(r));
    const base = { entryIndex, originNode: indicator.origin, originId: indicator.id, version: indicator.version, action, reasons, ...(keepsOlder ? { keepsOlder } : {}) };
    if (action !== 'accept-pseudonymized') return { ...base, indicator, value: action === 'accept' ? indicator.value : undefined };
    // Keep only the keyed HMAC: the value, and free text that may repeat it, stay out of this database.
    const pseudonym = pseudonymize(this.keys.pseudonymSecret, indicator.type, indicator.value);
    const { description: _dropped, ...rest } = indicator;
    return { ...base, indicator: { ...rest, value: '' }, pseudonym };
  }
}
