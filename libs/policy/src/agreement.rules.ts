import { DomainError } from '@palermo/indicators';
import type { ActorRef, AgreementActors, AgreementCommand, AgreementState, AgreementTerms, EffectiveAgreementState } from './agreement.types';

// States no command leaves: a terminated or superseded agreement is history, not a draft to revive.
const FINAL_STATES: readonly AgreementState[] = ['terminated', 'superseded'];

/**
 * The state a decision at `now` sees. Terminated and superseded stay what they are; any other
 * agreement past its validUntil is `expired`; an active one before its validFrom is `not-yet-valid`.
 * An unreadable date counts against the agreement (fail closed).
 */
export function effectiveAgreementState(a: AgreementTerms | null, now: Date): EffectiveAgreementState {
  if (!a) return 'none';
  if (FINAL_STATES.includes(a.state)) return a.state;
  const at = now.getTime();
  if (a.validUntil !== null && !(at < Date.parse(a.validUntil))) return 'expired';
  if (a.state === 'active' && !(at >= Date.parse(a.validFrom))) return 'not-yet-valid';
  return a.state;
}

// Which stored states each command may start from, and where it leads.
const TRANSITIONS: Record<AgreementCommand, { from: readonly AgreementState[]; to: AgreementState }> = {
  approve: { from: ['draft'], to: 'active' },
  suspend: { from: ['active'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'active' },
  terminate: { from: ['draft', 'active', 'suspended'], to: 'terminated' },
};

/**
 * Pure four-eyes and state rules. Returns the next state or throws DomainError
 * AGREEMENT_FOUR_EYES (the officer who created, or suspended, tries to approve, or resume, alone)
 * or AGREEMENT_STATE_CONFLICT (the command does not apply to the current state).
 */
export function nextAgreementState(current: AgreementState, command: AgreementCommand, actor: ActorRef, actors: AgreementActors): AgreementState {
  const rule = TRANSITIONS[command];
  if (!rule.from.includes(current)) {
    throw new DomainError('AGREEMENT_STATE_CONFLICT', `cannot ${command} an agreement that is ${current}`, { current, command });
  }
  const earlier = command === 'approve' ? actors.createdBy : command === 'resume' ? actors.suspendedBy : null;
  if (earlier && sameOfficer(actor, earlier)) {
    const act = command === 'approve' ? 'created' : 'suspended';
    throw new DomainError('AGREEMENT_FOUR_EYES', `${command} needs a second officer: ${actor.name} ${act} this agreement`, { command, officer: actor.name });
  }
  return rule.to;
}

// The same token, or another token issued to the same name: either way one person acting twice.
function sameOfficer(a: ActorRef, b: ActorRef): boolean {
  return a.tokenId === b.tokenId || officerName(a.name) === officerName(b.name);
}

/** A name as a person, not as typed: case, accents, spacing and punctuation do not make a second officer. */
function officerName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Whether this node may pass on what it imported from `origin` under this agreement (onward sharing):
 * the agreement is in effect, covers import and says `onward`. The agreement with the recipient must
 * say `onward` too (the baseline checks that side).
 */
export function allowsOnwardFrom(agreement: AgreementTerms | null | undefined, now: Date): boolean {
  return !!agreement && agreement.onward === true && effectiveAgreementState(agreement, now) === 'active' && agreement.directions.includes('import');
}
