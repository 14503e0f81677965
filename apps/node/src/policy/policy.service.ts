import { Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { checkPolicyText, type ActorRef } from '@palermo/policy';
import { Store } from '@palermo/store';
import { ExportService } from '../export/export.service';
import { PolicyHolder } from './policy.holder';
import type { PutPolicyBody } from './policy.query';

/** The jurisdiction policy's lifecycle: read, validate, store a new version (audited), list versions. */
@Injectable()
export class PolicyService {
  constructor(
    private readonly store: Store,
    private readonly holder: PolicyHolder,
    private readonly exporter: ExportService,
  ) {}

  /** The active version with its text. */
  async active() {
    const active = await this.store.policies.active();
    if (!active) throw new DomainError('POLICY_NOT_FOUND', 'no policy is stored yet');
    return active;
  }

  /**
   * Validates, stores and activates; an invalid text is refused with positions and changes nothing.
   * What was stored for export but never sent is decided again under the new version (the store
   * queues it), so the exporter is nudged at once.
   */
  async replace(body: PutPolicyBody, author: ActorRef) {
    const stored = await this.holder.replace(body.text, author, body.comment ?? null);
    this.exporter.nudge();
    return stored;
  }

  /** Checks a text against the schema without storing it. */
  validate(text: string) {
    const problems = checkPolicyText(text);
    return { valid: problems.length === 0, problems };
  }

  async versions() {
    return { items: await this.store.policies.list() };
  }

  async version(version: number) {
    const found = await this.store.policies.get(version);
    if (!found) throw new DomainError('POLICY_VERSION_NOT_FOUND', `no policy version ${version}`);
    return found;
  }
}
