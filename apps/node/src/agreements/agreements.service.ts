import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { effectiveAgreementState, nextAgreementState, type ActorRef, type AgreementCommand, type AgreementInput } from '@palermo/policy';
import { Store, type AgreementRecord } from '@palermo/store';
import { ExportService } from '../export/export.service';
import type { ListAgreementsQuery } from './agreements.query';

/** An agreement as the API shows it: its stored state and the state in effect right now. */
export type AgreementView = AgreementRecord & { effectiveState: string };

/**
 * Sharing agreements, managed by policy officers under four-eyes: one officer drafts, another
 * approves; suspension and termination take effect at once. The state rules are pure
 * (`nextAgreementState`); the store applies them under a row lock, with the audit entry, in one
 * transaction.
 */
@Injectable()
export class AgreementsService {
  private readonly logger = new Logger('AgreementsService');

  constructor(
    private readonly store: Store,
    private readonly exporter: ExportService,
  ) {}

  /** Drafts an agreement with a pinned partner; it does nothing until another officer approves it. */
  async create(input: AgreementInput, by: ActorRef): Promise<AgreementView> {
    if (!(await this.store.partners.get(input.partner))) {
      throw new DomainError('AGREEMENT_PARTNER_UNKNOWN', `partner ${input.partner} is not pinned: pin its key (POST /partners) before drafting an agreement`);
    }
    return view(await this.store.agreements.create(input, by));
  }

  async list(query: ListAgreementsQuery): Promise<{ items: AgreementView[] }> {
    return { items: (await this.store.agreements.list(query)).map(view) };
  }

  /** One agreement with its full history (who did what, when, and why). */
  async get(id: string) {
    const agreement = await this.store.agreements.get(id);
    if (!agreement) throw new DomainError('AGREEMENT_NOT_FOUND', `no agreement ${id}`);
    return { ...view(agreement), history: await this.store.agreements.history(id) };
  }

  /**
   * Applies approve/suspend/resume/terminate. Publishing to the partner pauses first (a publish
   * already on the wire settles), so when this returns the change is in effect for the exporter.
   */
  async transition(id: string, command: AgreementCommand, by: ActorRef, reason: string | null): Promise<AgreementView> {
    const current = await this.store.agreements.get(id);
    if (!current) throw new DomainError('AGREEMENT_NOT_FOUND', `no agreement ${id}`);
    if (command === 'approve') await this.refuseEarlySupersede(current);
    await this.exporter.pauseAudience(current.partner);
    try {
      const changed = await this.store.agreements.transition(id, command, by, reason, (row) =>
        nextAgreementState(row.state, command, by, { createdBy: row.createdBy, suspendedBy: row.suspendedBy }),
      );
      this.logger.log(`agreement ${id} with ${changed.partner}: ${command} by ${by.name} → ${changed.state}`);
      return view(changed);
    } finally {
      // Whatever happened, the exporter re-reads the agreements (and a newly active one starts its backfill).
      await this.exporter.agreementChanged(current.partner);
    }
  }

  /**
   * Approving supersedes the partner's current agreement at once; a draft that only starts later
   * would leave the partner with no agreement in effect until then. Approve it on its start day.
   */
  private async refuseEarlySupersede(draft: AgreementRecord): Promise<void> {
    if (Date.parse(draft.validFrom) <= Date.now()) return;
    const current = await this.store.agreements.activeFor(draft.partner);
    if (current && current.id !== draft.id) {
      throw new DomainError(
        'AGREEMENT_STATE_CONFLICT',
        `this draft starts ${draft.validFrom}; approving it now would end agreement ${current.id} with ${draft.partner} today and leave nothing in effect until then — approve it on its start day`,
      );
    }
  }
}

function view(agreement: AgreementRecord): AgreementView {
  return { ...agreement, effectiveState: effectiveAgreementState(agreement, new Date()) };
}
