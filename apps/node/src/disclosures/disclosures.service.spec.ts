import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '@palermo/indicators';
import type { DisclosureRecord, Store } from '@palermo/store';
import type { DisclosureRelease } from '../export/disclosure.release';
import type { FeedbackOutbox } from '../feedback/feedback.outbox';
import type { FeedbackPeers } from '../feedback/feedback.peers';
import { FeedbackSender } from '../feedback/feedback.sender';
import type { FeedbackSigner } from '../feedback/feedback.signer';
import type { NodeConfig } from '../node/node-context';
import { statusForCode } from '../errors/error-status';
import { DisclosuresService } from './disclosures.service';

const OFFICER = { tokenId: '0190a000-0000-7000-8000-0000000000bb', name: 'officer-p' };
const waiting = {
  id: '0190a000-0000-7000-8000-000000000001',
  direction: 'in',
  partner: 'nl-police',
  lookupRequestId: '0190a000-0000-7000-8000-000000000002',
  reference: 'de-bka:x',
  purpose: 'investigation',
  legalBasis: 'Art. 1',
  caseReference: 'C-1',
  state: 'requested',
  indicatorPk: '42',
  delivery: null,
} as unknown as DisclosureRecord;

function service(opts: { pinned?: boolean; release?: Partial<DisclosureRelease> } = {}) {
  const deny = vi.fn(async (_id: string, _actor: unknown, _reason: string, send: object) => ({ ...waiting, state: 'denied', delivery: 'outgoing' in send ? { state: 'queued', reason: null } : { state: 'not-sent', reason: (send as { notSent: { reason: string } }).notSent.reason } }));
  const store = {
    disclosures: { get: async () => waiting, deny },
    partners: { get: async () => (opts.pinned === false ? null : { nodeId: 'nl-police' }) },
    agreements: { activeFor: async () => ({ purposes: ['investigation'] }) },
  } as unknown as Store;
  const seal = vi.fn(async () => ({ message: {}, row: { recipient: 'nl-police' } }));
  const kick = vi.fn();
  const sender = new FeedbackSender({} as FeedbackPeers, { seal } as unknown as FeedbackSigner, { kick } as unknown as FeedbackOutbox);
  const svc = new DisclosuresService(store, (opts.release ?? {}) as DisclosureRelease, sender, { nodeId: 'de-bka' } as NodeConfig);
  return { svc, deny, seal, kick };
}

describe('DisclosuresService', () => {
  it('deny: a partner no longer pinned gets nothing queued; the record says not-sent', async () => {
    const { svc, deny, seal } = service({ pinned: false });
    const denied = await svc.deny(waiting.id, 'no', OFFICER);
    expect(seal).not.toHaveBeenCalled();
    expect(deny).toHaveBeenCalledWith(waiting.id, OFFICER, 'no', { notSent: { reason: 'DISCLOSURE_PARTNER_NOT_PINNED' } });
    expect(denied).toMatchObject({ state: 'denied', delivery: { state: 'not-sent', reason: 'DISCLOSURE_PARTNER_NOT_PINNED' } });
  });

  it('deny: a pinned partner gets the signed decision queued', async () => {
    const { svc, deny, seal, kick } = service();
    await svc.deny(waiting.id, 'no', OFFICER);
    expect(seal).toHaveBeenCalledOnce();
    expect(deny.mock.calls[0]![3]).toHaveProperty('outgoing');
    expect(kick).toHaveBeenCalled();
  });

  it('shows no internal indicator key', async () => {
    const { svc } = service();
    expect(await svc.get(waiting.id)).not.toHaveProperty('indicatorPk');
  });

  it.each([
    ['POLICY_CHANGED', 'DISCLOSURE_POLICY_CHANGED'],
    ['AGREEMENT_NOT_ACTIVE', 'DISCLOSURE_AGREEMENT_CHANGED'],
  ])('approve: %s raised while the release commits is the retryable conflict %s (409)', async (raised, expected) => {
    const release = { disclose: async () => Promise.reject(new DomainError(raised, 'raced')) };
    const { svc, kick } = service({ release });
    const error = await svc.approve(waiting.id, 'ok', OFFICER).catch((e: DomainError) => e);
    expect(error).toMatchObject({ code: expected });
    expect(statusForCode((error as DomainError).code)).toBe(409);
    expect(kick).toHaveBeenCalled();
  });

  it('approve: other errors pass unchanged (DISCLOSURE_RELEASE_FAILED stays a 500)', async () => {
    const release = { disclose: async () => Promise.reject(new DomainError('DISCLOSURE_RELEASE_FAILED', 'x', { correlationId: 'c' })) };
    const { svc } = service({ release });
    await expect(svc.approve(waiting.id, 'ok', OFFICER)).rejects.toMatchObject({ code: 'DISCLOSURE_RELEASE_FAILED', details: { correlationId: 'c' } });
    expect(statusForCode('DISCLOSURE_RELEASE_FAILED')).toBe(500);
  });
});
