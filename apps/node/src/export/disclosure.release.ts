import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { Store, type OutboundBatch, type PendingExport } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { exportAudiences } from './export.audiences';
import { ExportPlanner } from './export.planner';
import { ExportService } from './export.service';
import { ExportSigner } from './export.signer';
import { ExportTurns } from './export.turns';

/** What a release is about: the matched indicator (by pk) for the partner that asked, recorded under `ruleId`. */
export interface ReleaseRequest {
  partner: string;
  indicatorPk: string | null;
  ruleId: string;
}

/** The indicator as the release planned it: the approval's transaction checks it is still so (DISCLOSURE_INDICATOR_CHANGED). */
export interface PlannedRelease {
  pk: string;
  item: PendingExport;
  origin: string;
}

/**
 * Releases one own indicator to one partner, as a policy officer approved a disclosure: ONE bundle
 * on the partner's chain (seq/prev from its head) holding exactly that upsert, decided by the
 * planner (ExportPlanner.disclosure: the approval never lifts a forbid), signed like every bundle
 * and encrypted when published as every bundle of that chain is. It runs in its own export turn,
 * never during a pass, so the head it links to is still the head when `commit` stores the batch
 * (with the approval, in one transaction); the next pass publishes it in chain order. The
 * indicator is read inside the turn, so what waited behind a long pass is planned as it is now.
 */
@Injectable()
export class DisclosureRelease {
  private readonly logger = new Logger('DisclosureRelease');

  constructor(
    private readonly store: Store,
    private readonly planner: ExportPlanner,
    private readonly exporter: ExportService,
    private readonly signer: ExportSigner,
    private readonly turns: ExportTurns,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async disclose<T>(release: ReleaseRequest, commit: (batch: OutboundBatch, bundleHash: string, planned: PlannedRelease) => Promise<T>): Promise<T> {
    return this.turns.exclusive(async () => {
      const planned = await this.candidate(release);
      const now = new Date();
      const [partners, agreements] = await Promise.all([this.store.partners.list(), this.store.agreements.allCurrent()]);
      const target = exportAudiences(partners, agreements, this.config.policy.adequacy, now).find((a) => a.audience === release.partner);
      if (!target) throw new DomainError('DISCLOSURE_AGREEMENT_NOT_ACTIVE', `no active agreement lets this node export to ${release.partner}: nothing can be released`);
      const plan = this.planner.disclosure(target, planned.item, release.ruleId, now);
      const signed = await this.signer.sign([plan], { partners, agreements });
      if (signed.length !== 1) {
        // An invariant broke on this node, not the caller's fault: logged, and the 500 names the log line.
        const correlationId = randomUUID();
        this.logger.error(`release ${correlationId} of ${planned.item.id} to ${release.partner} made ${signed.length} bundles, not one; nothing was stored`);
        throw new DomainError('DISCLOSURE_RELEASE_FAILED', `the release of ${planned.item.id} did not make exactly one bundle; nothing was released (correlation id ${correlationId})`, { correlationId });
      }
      const result = await commit({ bundles: signed, decisions: plan.decisions, exported: [] }, signed[0]!.hash, planned);
      this.exporter.nudge();
      return result;
    });
  }

  /**
   * The matched indicator as it is now: still here, this node's own (a hit on an imported one:
   * DISCLOSURE_NOT_ORIGIN — only its origin may release it), not revoked and not past validUntil.
   */
  private async candidate({ partner, indicatorPk }: ReleaseRequest): Promise<PlannedRelease> {
    const candidate = indicatorPk ? await this.store.indicators.releaseCandidate(indicatorPk) : null;
    if (!candidate) throw new DomainError('DISCLOSURE_INDICATOR_GONE', 'the matched indicator is no longer held here; deny the request');
    if (!candidate.own || !candidate.item) {
      throw new DomainError(
        'DISCLOSURE_NOT_ORIGIN',
        `the hit matched an indicator this node imported from ${candidate.originNode}: only its origin may release it. Deny this request and point ${partner} to ${candidate.originNode}`,
        { origin: candidate.originNode },
      );
    }
    if (candidate.revokedAt) throw new DomainError('DISCLOSURE_INDICATOR_REVOKED', `the matched indicator was revoked at ${candidate.revokedAt}; nothing can be released`);
    if (candidate.validUntil && Date.parse(candidate.validUntil) <= Date.now()) {
      throw new DomainError('DISCLOSURE_INDICATOR_EXPIRED', `the matched indicator expired at ${candidate.validUntil}; nothing can be released`);
    }
    return { pk: candidate.pk, item: candidate.item, origin: candidate.originNode };
  }
}
