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

  /** Applies approve/suspend/resume/terminate; the exporter reacts at once. */
  async transition(id: string, command: AgreementCommand, by: ActorRef, reason: string | null): Promise<AgreementView> {
    const changed = await this.store.agreements.transition(id, command, by, reason, (current) =>
      nextAgreementState(current.state, command, by, { createdBy: current.createdBy, suspendedBy: current.suspendedBy }),
    );
    this.logger.log(`agreement ${id} with ${changed.partner}: ${command} by ${by.name} → ${changed.state}`);
    // Takes effect at once: when this returns, nothing read under the old state is published any more
    // (and a newly active agreement starts its partner's backfill).
    await this.exporter.agreementChanged(changed.partner);
    return view(changed);
  }
}

function view(agreement: AgreementRecord): AgreementView {
  return { ...agreement, effectiveState: effectiveAgreementState(agreement, new Date()) };
}
