import { Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { checkPolicyText, type ActorRef } from '@palermo/policy';
import { Store } from '@palermo/store';
import { PolicyHolder } from './policy.holder';
import type { PutPolicyBody } from './policy.query';

/** The jurisdiction policy's lifecycle: read, validate, store a new version (audited), list versions. */
@Injectable()
export class PolicyService {
  constructor(
    private readonly store: Store,
    private readonly holder: PolicyHolder,
  ) {}

  /** The active version with its text. */
  async active() {
    const active = await this.store.policies.active();
    if (!active) throw new DomainError('POLICY_NOT_FOUND', 'no policy is stored yet');
    return active;
  }

  /** Validates, stores and activates; an invalid text is refused with positions and changes nothing. */
  replace(body: PutPolicyBody, author: ActorRef) {
    return this.holder.replace(body.text, author, body.comment ?? null);
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
