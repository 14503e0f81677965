import { Inject, Injectable } from '@nestjs/common';
import { DISCLOSURE_DECISION_SPEC, DISCLOSURE_REQUEST_SPEC } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import { effectiveAgreementState } from '@palermo/policy';
import { Store, type ActorRef, type DisclosureRecord, type Page } from '@palermo/store';
import { v7 as uuidv7 } from 'uuid';
import { ExportService } from '../export/export.service';
import { FeedbackOutbox } from '../feedback/feedback.outbox';
import { FeedbackSigner } from '../feedback/feedback.signer';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import type { DisclosureListQuery, DisclosureRequestBody } from './disclosures.query';

/** The rule id of the export decision that records a disclosure's release. */
export function disclosureRuleId(id: string): string {
  return `disclosure:${id}`;
}

/**
 * Disclosures after a lookup hit, as this node's people see them: an analyst asks the partner that
 * answered a hit to disclose the matched indicator; a policy officer approves or denies what
 * partners asked of this node. An approval releases exactly the matched own indicator in ONE bundle
 * on the requester's chain (ExportService.disclose); a denial releases nothing. Partners' messages
 * are handled by DisclosureFeedback.
 */
@Injectable()
export class DisclosuresService {
  constructor(
    private readonly store: Store,
    private readonly exporter: ExportService,
    private readonly signer: FeedbackSigner,
    private readonly outbox: FeedbackOutbox,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** POST /disclosures: the hit must be one this node was given; one open request per hit. */
  async request(body: DisclosureRequestBody, actor: ActorRef): Promise<DisclosureRecord> {
    const hit = await this.store.disclosures.hit('asked', body.lookupHit);
    if (!hit) throw new DomainError('DISCLOSURE_HIT_UNKNOWN', `no lookup hit ${body.lookupHit} on this node: only a partner's hit (POST /lookups, result "hit") can be disclosed`);
    const agreement = await this.store.agreements.activeFor(hit.partner);
    if (!agreement || effectiveAgreementState(agreement, new Date()) !== 'active') {
      throw new DomainError('DISCLOSURE_AGREEMENT_NOT_ACTIVE', `no active agreement with ${hit.partner}`);
    }
    if (!(agreement.purposes as string[]).includes(body.purpose)) {
      throw new DomainError('DISCLOSURE_PURPOSE_NOT_AGREED', `the agreement with ${hit.partner} does not name the purpose ${body.purpose} (it names ${agreement.purposes.join(', ')})`);
    }
    const id = uuidv7();
    const fields = { lookupRequestId: hit.requestId, reference: hit.reference, purpose: body.purpose, legalBasis: body.legalBasis, caseReference: body.caseReference };
    const { row } = await this.signer.seal({ spec: DISCLOSURE_REQUEST_SPEC, to: hit.partner, id, ...fields });
    const record = await this.store.disclosures.request({ id, partner: hit.partner, ...fields, requestedBy: actor }, row);
    this.outbox.kick();
    return record;
  }

  async list(query: DisclosureListQuery): Promise<Page<DisclosureRecord>> {
    return this.store.disclosures.list(query);
  }

  async get(id: string): Promise<DisclosureRecord> {
    const record = await this.store.disclosures.get(id);
    if (!record) throw new DomainError('DISCLOSURE_NOT_FOUND', `no disclosure ${id}`);
    return record;
  }

  /**
   * Approves a partner's open request. The matched indicator must still be here, be this node's own
   * (a hit on an imported one: DISCLOSURE_NOT_ORIGIN — only its origin may release it), not revoked
   * and not past validUntil; the agreement must still name the purpose. The decision, the bundle and
   * the decision message commit together.
   */
  async approve(id: string, reason: string, actor: ActorRef): Promise<DisclosureRecord> {
    const d = await this.open(id);
    const candidate = d.indicatorPk ? await this.store.indicators.releaseCandidate(d.indicatorPk) : null;
    if (!candidate) throw new DomainError('DISCLOSURE_INDICATOR_GONE', 'the matched indicator is no longer held here; deny the request');
    if (!candidate.own || !candidate.item) {
      throw new DomainError(
        'DISCLOSURE_NOT_ORIGIN',
        `the hit matched an indicator this node imported from ${candidate.originNode}: only its origin may release it. Deny this request and point ${d.partner} to ${candidate.originNode}`,
        { origin: candidate.originNode },
      );
    }
    if (candidate.revokedAt) throw new DomainError('DISCLOSURE_INDICATOR_REVOKED', `the matched indicator was revoked at ${candidate.revokedAt}; nothing can be released`);
    if (candidate.validUntil && Date.parse(candidate.validUntil) <= Date.now()) {
      throw new DomainError('DISCLOSURE_INDICATOR_EXPIRED', `the matched indicator expired at ${candidate.validUntil}; nothing can be released`);
    }
    const agreement = await this.store.agreements.activeFor(d.partner);
    if (!agreement || !(agreement.purposes as string[]).includes(d.purpose)) {
      throw new DomainError('DISCLOSURE_PURPOSE_NOT_AGREED', `the agreement with ${d.partner} no longer names the purpose ${d.purpose}`);
    }
    const indicator = { origin: candidate.originNode, id: candidate.originId };
    try {
      return await this.exporter.disclose({ partner: d.partner, item: candidate.item, ruleId: disclosureRuleId(d.id) }, async (batch, bundleHash) => {
        const released = { bundleHash, indicator };
        const { row } = await this.signer.seal({ spec: DISCLOSURE_DECISION_SPEC, to: d.partner, disclosureId: d.id, decision: 'approved', reason, released });
        return this.store.disclosures.approve(d.id, actor, reason, released, batch, row);
      });
    } finally {
      this.outbox.kick();
    }
  }

  /** Denies a partner's open request: only the decision (with the reason) goes back. */
  async deny(id: string, reason: string, actor: ActorRef): Promise<DisclosureRecord> {
    const d = await this.open(id);
    const { row } = await this.signer.seal({ spec: DISCLOSURE_DECISION_SPEC, to: d.partner, disclosureId: d.id, decision: 'denied', reason });
    const record = await this.store.disclosures.deny(d.id, actor, reason, row);
    this.outbox.kick();
    return record;
  }

  /** A partner's request still waiting for a decision. */
  private async open(id: string): Promise<DisclosureRecord> {
    const d = await this.store.disclosures.get(id);
    if (!d || d.direction !== 'in') throw new DomainError('DISCLOSURE_NOT_FOUND', `no disclosure request ${id} from a partner on ${this.config.nodeId}`);
    if (d.state !== 'requested') throw new DomainError('DISCLOSURE_ALREADY_DECIDED', `disclosure ${id} was already ${d.state}`);
    return d;
  }
}
