import { Inject, Injectable } from '@nestjs/common';
import { DISCLOSURE_DECISION_SPEC, DISCLOSURE_REQUEST_SPEC } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import { effectiveAgreementState } from '@palermo/policy';
import { Store, type ActorRef, type DisclosureRecord, type Page } from '@palermo/store';
import { v7 as uuidv7 } from 'uuid';
import { DisclosureRelease } from '../export/disclosure.release';
import { FeedbackSender } from '../feedback/feedback.sender';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import type { DisclosureListQuery, DisclosureRequestBody } from './disclosures.query';

/** A disclosure as the API shows it: without the internal key of the matched indicator. */
export type DisclosureView = Omit<DisclosureRecord, 'indicatorPk'>;

function view({ indicatorPk: _internal, ...shown }: DisclosureRecord): DisclosureView {
  return shown;
}

/** The rule id of the export decision that records a disclosure's release. */
export function disclosureRuleId(id: string): string {
  return `disclosure:${id}`;
}

/**
 * Disclosures after a lookup hit, as this node's people see them: an analyst asks the partner that
 * answered a hit to disclose the matched indicator; a policy officer approves or denies what
 * partners asked of this node. An approval releases exactly the matched own indicator in ONE bundle
 * on the requester's chain (DisclosureRelease); a denial releases nothing. Partners' messages
 * are handled by DisclosureFeedback.
 */
@Injectable()
export class DisclosuresService {
  constructor(
    private readonly store: Store,
    private readonly release: DisclosureRelease,
    private readonly sender: FeedbackSender,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** POST /disclosures: the hit must be one this node was given; one open request per hit. */
  async request(body: DisclosureRequestBody, actor: ActorRef): Promise<DisclosureView> {
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
    const record = await this.sender.send(hit.partner, (to) => ({ spec: DISCLOSURE_REQUEST_SPEC, to, id, ...fields }), (row) =>
      this.store.disclosures.request({ id, partner: hit.partner, ...fields, requestedBy: actor }, row),
    );
    return view(record);
  }

  async list(query: DisclosureListQuery): Promise<Page<DisclosureView>> {
    const page = await this.store.disclosures.list(query);
    return { ...page, items: page.items.map(view) };
  }

  async get(id: string): Promise<DisclosureView> {
    const record = await this.store.disclosures.get(id);
    if (!record) throw new DomainError('DISCLOSURE_NOT_FOUND', `no disclosure ${id}`);
    return view(record);
  }

  /**
   * Approves a partner's open request. The matched indicator must still be here, be this node's own
   * (a hit on an imported one: DISCLOSURE_NOT_ORIGIN — only its origin may release it), not revoked
   * and not past validUntil (read in the release's export turn, not before waiting for it); the
   * agreement must still name the purpose. The decision, the bundle and the decision message commit
   * together, in a transaction that locks the indicator and checks it is still the version, TLP and
   * unrevoked state that was planned (DISCLOSURE_INDICATOR_CHANGED otherwise).
   */
  async approve(id: string, reason: string, actor: ActorRef): Promise<DisclosureView> {
    const d = await this.open(id);
    const agreement = await this.store.agreements.activeFor(d.partner);
    if (!agreement || !(agreement.purposes as string[]).includes(d.purpose)) {
      throw new DomainError('DISCLOSURE_PURPOSE_NOT_AGREED', `the agreement with ${d.partner} no longer names the purpose ${d.purpose}`);
    }
    try {
      return await this.release.disclose({ partner: d.partner, indicatorPk: d.indicatorPk, ruleId: disclosureRuleId(d.id) }, async (batch, bundleHash, planned) => {
        const released = { bundleHash, indicator: { origin: planned.origin, id: planned.item.id } };
        const { row } = await this.sender.seal({ spec: DISCLOSURE_DECISION_SPEC, to: d.partner, disclosureId: d.id, decision: 'approved', reason, released });
        const expected = { pk: planned.pk, version: planned.item.version, tlp: planned.item.indicator.tlp };
        return view(await this.store.disclosures.approve(d.id, actor, reason, released, batch, row, expected));
      });
    } catch (error) {
      throw raced(error);
    } finally {
      this.sender.kick();
    }
  }

  /**
   * Denies a partner's open request: only the decision (with the reason) goes back — when the
   * partner is still pinned; otherwise the denial is recorded as not sent (no outbox row that
   * could never leave). An agreement is not needed: the answer carries no indicator.
   */
  async deny(id: string, reason: string, actor: ActorRef): Promise<DisclosureView> {
    const d = await this.open(id);
    if (!(await this.store.partners.get(d.partner))) {
      return view(await this.store.disclosures.deny(d.id, actor, reason, { notSent: { reason: 'DISCLOSURE_PARTNER_NOT_PINNED' } }));
    }
    const record = await this.sender.send(d.partner, (to) => ({ spec: DISCLOSURE_DECISION_SPEC, to, disclosureId: d.id, decision: 'denied', reason }), (row) =>
      this.store.disclosures.deny(d.id, actor, reason, { outgoing: row }),
    );
    return view(record);
  }

  /** POST /disclosures/:id/withdraw: this node's analyst gives up on a request that waits; the hit may be asked about again. */
  async withdraw(id: string, reason: string, actor: ActorRef): Promise<DisclosureView> {
    return view(await this.store.disclosures.withdraw(id, actor, reason));
  }

  /** A partner's request still waiting for a decision. */
  private async open(id: string): Promise<DisclosureRecord> {
    const d = await this.store.disclosures.get(id);
    if (!d || d.direction !== 'in') throw new DomainError('DISCLOSURE_NOT_FOUND', `no disclosure request ${id} from a partner on ${this.config.nodeId}`);
    if (d.state !== 'requested') throw new DomainError('DISCLOSURE_ALREADY_DECIDED', `disclosure ${id} was already ${d.state}`);
    return d;
  }
}

/**
 * The exporter's own conflicts, raised when a policy or agreement change lands while the release is
 * prepared, as the disclosure API names them: retryable conflicts (409), not a bad request.
 */
function raced(error: unknown): unknown {
  if (!(error instanceof DomainError)) return error;
  if (error.code === 'POLICY_CHANGED') return new DomainError('DISCLOSURE_POLICY_CHANGED', `the sharing policy changed while the release was prepared; nothing was released, approve again to decide under the new one (${error.message})`);
  if (error.code === 'AGREEMENT_NOT_ACTIVE') return new DomainError('DISCLOSURE_AGREEMENT_CHANGED', `the agreement changed while the release was prepared; nothing was released (${error.message})`);
  return error;
}
