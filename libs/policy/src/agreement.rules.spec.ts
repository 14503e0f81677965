import { describe, expect, it } from 'vitest';
import { allowsOnwardFrom, effectiveAgreementState, nextAgreementState } from './agreement.rules';
import type { ActorRef, AgreementActors, AgreementCommand, AgreementState, EffectiveAgreementState } from './agreement.types';
import { agreement, NOW } from './policy.fixtures';

const alice: ActorRef = { tokenId: 'tok-alice', name: 'alice' };
const bob: ActorRef = { tokenId: 'tok-bob', name: 'bob' };
const carol: ActorRef = { tokenId: 'tok-carol', name: 'carol' };

describe('effectiveAgreementState', () => {
  const at = (iso: string) => new Date(iso);
  it.each<[string, Parameters<typeof agreement>[0] | null, Date, EffectiveAgreementState]>([
    ['no agreement', null, NOW, 'none'],
    ['active inside its window', {}, NOW, 'active'],
    ['active at validFrom exactly', {}, at('2026-01-01T00:00:00.000Z'), 'active'],
    ['active a millisecond before validFrom', {}, at('2025-12-31T23:59:59.999Z'), 'not-yet-valid'],
    ['active at validUntil exactly (exclusive)', {}, at('2027-01-01T00:00:00.000Z'), 'expired'],
    ['active, open-ended', { validUntil: null }, at('2100-01-01T00:00:00.000Z'), 'active'],
    ['draft inside its window', { state: 'draft' }, NOW, 'draft'],
    ['draft past its window', { state: 'draft' }, at('2028-01-01T00:00:00.000Z'), 'expired'],
    ['suspended past its window', { state: 'suspended' }, at('2028-01-01T00:00:00.000Z'), 'expired'],
    ['suspended before validFrom stays suspended', { state: 'suspended' }, at('2025-01-01T00:00:00.000Z'), 'suspended'],
    ['terminated stays terminated after expiry', { state: 'terminated' }, at('2028-01-01T00:00:00.000Z'), 'terminated'],
    ['superseded stays superseded', { state: 'superseded' }, NOW, 'superseded'],
    ['unreadable validUntil counts as expired', { validUntil: 'soon' }, NOW, 'expired'],
    ['unreadable validFrom counts as not yet valid', { validFrom: 'once' }, NOW, 'not-yet-valid'],
  ])('%s', (_name, overrides, now, expected) => {
    expect(effectiveAgreementState(overrides === null ? null : agreement(overrides), now)).toBe(expected);
  });
});

describe('nextAgreementState (four eyes)', () => {
  const actors: AgreementActors = { createdBy: alice, suspendedBy: null };
  const suspendedByBob: AgreementActors = { createdBy: alice, suspendedBy: bob };

  it.each<[AgreementState, AgreementCommand, ActorRef, AgreementActors, AgreementState]>([
    ['draft', 'approve', bob, actors, 'active'],
    ['active', 'suspend', alice, actors, 'suspended'],
    ['active', 'suspend', bob, actors, 'suspended'],
    ['suspended', 'resume', alice, suspendedByBob, 'active'],
    ['suspended', 'resume', carol, suspendedByBob, 'active'],
    ['draft', 'terminate', alice, actors, 'terminated'],
    ['active', 'terminate', alice, actors, 'terminated'],
    ['suspended', 'terminate', bob, suspendedByBob, 'terminated'],
  ])('%s --%s by %o--> %s', (current, command, actor, who, expected) => {
    expect(nextAgreementState(current, command, actor, who)).toBe(expected);
  });

  it.each<[string, AgreementState, AgreementCommand, ActorRef, AgreementActors]>([
    ['the creator approves alone', 'draft', 'approve', alice, actors],
    ['the creator approves with another token of hers', 'draft', 'approve', { tokenId: 'tok-alice-2', name: 'alice' }, actors],
    ['the creator approves under a differently typed name', 'draft', 'approve', { tokenId: 'tok-alice-3', name: ' Alice.' }, actors],
    ['the creator approves with accents and spacing added', 'draft', 'approve', { tokenId: 'tok-alice-4', name: 'ÁLI CE' }, actors],
    ['the suspender resumes alone', 'suspended', 'resume', bob, suspendedByBob],
  ])('AGREEMENT_FOUR_EYES when %s', (_name, current, command, actor, who) => {
    expect(() => nextAgreementState(current, command, actor, who)).toThrowError(expect.objectContaining({ code: 'AGREEMENT_FOUR_EYES' }));
  });

  it.each<[AgreementState, AgreementCommand]>([
    ['active', 'approve'],
    ['suspended', 'approve'],
    ['terminated', 'approve'],
    ['superseded', 'approve'],
    ['draft', 'suspend'],
    ['suspended', 'suspend'],
    ['terminated', 'suspend'],
    ['draft', 'resume'],
    ['active', 'resume'],
    ['superseded', 'resume'],
    ['terminated', 'terminate'],
    ['superseded', 'terminate'],
  ])('AGREEMENT_STATE_CONFLICT: %s cannot %s', (current, command) => {
    expect(() => nextAgreementState(current, command, carol, suspendedByBob)).toThrowError(expect.objectContaining({ code: 'AGREEMENT_STATE_CONFLICT' }));
  });

  it('a state conflict is reported before four eyes (approving an active agreement as its creator)', () => {
    expect(() => nextAgreementState('active', 'approve', alice, actors)).toThrowError(expect.objectContaining({ code: 'AGREEMENT_STATE_CONFLICT' }));
  });
});

describe('allowsOnwardFrom', () => {
  const base = {
    id: 'a-1', partner: 'de-bka', directions: ['export', 'import'] as ('export' | 'import')[], types: ['phone' as const], maxTlp: 'amber' as const,
    purposes: ['investigation' as const], retentionDays: null, pseudonymize: [], lookups: false, validFrom: '2026-01-01T00:00:00.000Z', validUntil: null, state: 'active' as const,
  };
  const now = new Date('2026-03-01T00:00:00.000Z');
  it.each([
    ['active, import, onward', { ...base, onward: true }, true],
    ['onward absent (agreements before the term)', base, false],
    ['onward false', { ...base, onward: false }, false],
    ['export-only', { ...base, onward: true, directions: ['export'] as ('export' | 'import')[] }, false],
    ['suspended', { ...base, onward: true, state: 'suspended' as const }, false],
    ['expired', { ...base, onward: true, validUntil: '2026-02-01T00:00:00.000Z' }, false],
  ])('%s', (_name, agreement, expected) => {
    expect(allowsOnwardFrom(agreement, now)).toBe(expected);
  });
  it('no agreement at all', () => expect(allowsOnwardFrom(null, now)).toBe(false));
});
