import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, encryptBundle, generateNodeKey, readPrivateKey, readPublicKey, signFeedback, SIGHTING_SPEC, type NodePrivateKey, type NodePublicKey, type SightingFeedback } from '@palermo/bundles';
import type { FeedbackChannelMessage } from '@palermo/federation';
import type { PartnerRecord, QuarantineInput, Store } from '@palermo/store';
import type { SignerKeys } from '../keys/signer.keys';
import type { NodeConfig } from '../node/node-context';
import { FeedbackHandlers, FeedbackRefusal, type ReceivedFeedback } from './feedback.handlers';
import { FeedbackInbox, MAX_DELIVERIES } from './feedback.inbox';
import { DomainError } from '@palermo/indicators';

// The inbox's own checks, before any feature sees a message. The signature check goes through
// SignerKeys (key history, tested on its own); here it verifies with the one pinned key.
describe('FeedbackInbox', () => {
  let pinned: NodePublicKey;
  let sign: (m: SightingFeedback) => Promise<{ bytes: Uint8Array; signature: Uint8Array }>;
  let signAsStranger: (m: SightingFeedback) => Promise<{ bytes: Uint8Array; signature: Uint8Array }>;
  let own: { fingerprint: string; privateKey: NodePrivateKey; publicKey: NodePublicKey };
  let strangerPublic: NodePublicKey;
  // This node's key ring: its own key opens what was encrypted to it, nothing else does.
  const ring = { decryptionKey: async (fp: string) => (fp === own.fingerprint ? { ok: true as const, privateKey: own.privateKey } : { ok: false as const, code: 'BUNDLE_NOT_FOR_THIS_NODE' as const, message: `not encrypted to a key of this node (${fp})` }) };

  beforeAll(async () => {
    const [de, stranger, nl] = await Promise.all(['de-bka', 'xx-evil', 'nl-police'].map((nodeId) => generateNodeKey({ nodeId, jurisdiction: 'DE' })));
    own = { fingerprint: nl!.fingerprint, privateKey: await readPrivateKey(nl!.armoredPrivateKey), publicKey: await readPublicKey(nl!.armoredPublicKey) };
    strangerPublic = await readPublicKey(stranger!.armoredPublicKey);
    pinned = await readPublicKey(de!.armoredPublicKey);
    const dePriv = await readPrivateKey(de!.armoredPrivateKey);
    const strangerPriv = await readPrivateKey(stranger!.armoredPrivateKey);
    sign = (m) => signFeedback(m, dePriv);
    signAsStranger = (m) => signFeedback(m, strangerPriv);
  });

  const sighting = (over: Partial<SightingFeedback> = {}): SightingFeedback => ({
    spec: SIGHTING_SPEC,
    id: '01938a6e-0000-7000-8000-000000000001',
    from: 'de-bka',
    to: 'nl-police',
    at: new Date().toISOString(),
    indicator: { origin: 'nl-police', id: '01938a6e-0000-7000-8000-0000000000aa' },
    count: 2,
    firstSeen: '2026-12-01T00:00:00.000Z',
    lastSeen: '2026-12-02T00:00:00.000Z',
    ...over,
  });

  function setup(partners: string[] = ['de-bka']) {
    const quarantined: QuarantineInput[] = [];
    const handled: ReceivedFeedback[] = [];
    const store = {
      partners: { get: async (id: string) => (partners.includes(id) ? ({ nodeId: id, fingerprint: 'f'.repeat(40) } as PartnerRecord) : null) },
      quarantine: { add: async (q: QuarantineInput) => (quarantined.push(q), { id: String(quarantined.length), duplicate: false }) },
    } as unknown as Store;
    const signers = {
      verifyWithHistory: async (_p: PartnerRecord, _madeAt: unknown, verify: (k: NodePublicKey) => Promise<{ ok: boolean }>) => {
        const r = await verify(pinned);
        return r.ok ? { ok: true, verified: r, fingerprint: 'f'.repeat(40), key: pinned } : r;
      },
    } as unknown as SignerKeys;
    const handlers = new FeedbackHandlers();
    handlers.register<SightingFeedback>(SIGHTING_SPEC, async (received) => {
      handled.push(received);
      if (received.message.count === 14) throw new DomainError('SIGHTING_INVALID', 'fourteen');
      return received.message.count === 13 ? new FeedbackRefusal('FEEDBACK_TEST_REFUSED', 'thirteen') : undefined;
    });
    const inbox = new FeedbackInbox(store, signers, handlers, ring, { nodeId: 'nl-police' } as NodeConfig);
    return { inbox, quarantined, handled };
  }

  const wire = (from: string, bytes: Uint8Array, signature: Uint8Array | string, encryptedTo?: string, deliveryCount = 1): FeedbackChannelMessage => ({
    to: 'nl-police',
    from,
    subject: `palermo.v1.feedback.nl-police.${from}`,
    payload: bytes,
    headers: { 'Palermo-Signature': typeof signature === 'string' ? signature : Buffer.from(signature).toString('base64'), ...(encryptedTo ? { 'Palermo-Encrypted': encryptedTo } : {}) },
    streamSeq: 7,
    redelivered: deliveryCount > 1,
    deliveryCount,
  });
  /** What an honest sender puts on the wire: signed, then encrypted to this node's key. */
  const sealed = async (m: SightingFeedback, deliveryCount = 1) => {
    const s = await sign(m);
    return wire(m.from, await encryptBundle(s.bytes, own.publicKey), s.signature, own.fingerprint, deliveryCount);
  };

  it('hands a verified message to the handler of its spec, with the sender from the subject', async () => {
    const { inbox, handled, quarantined } = setup();
    expect(await inbox.handle(await sealed(sighting()))).toBe('ack');
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ from: 'de-bka', message: { spec: SIGHTING_SPEC, count: 2 } });
    expect(quarantined).toEqual([]);
  });

  it('opens a message encrypted to this node before checking its signature', async () => {
    const { inbox, handled, quarantined } = setup();
    const signed = await sign(sighting());
    const ciphertext = await encryptBundle(signed.bytes, own.publicKey);
    expect(await inbox.handle(wire('de-bka', ciphertext, signed.signature, own.fingerprint))).toBe('ack');
    expect(quarantined).toEqual([]);
    expect(handled.map((h) => Buffer.from(h.bytes).equals(Buffer.from(signed.bytes)))).toEqual([true]);
  });

  it.each([
    ['a message encrypted to another key', async () => { const s = await sign(sighting()); return wire('de-bka', await encryptBundle(s.bytes, strangerPublic), s.signature, 'ab'.repeat(20)); }, 'FEEDBACK_NOT_FOR_THIS_NODE'],
    ['garbage announced as encrypted to this node', async () => { const s = await sign(sighting()); return wire('de-bka', s.bytes, s.signature, own.fingerprint); }, 'FEEDBACK_DECRYPT_FAILED'],
    ['a message encrypted to another key but announced as ours', async () => { const s = await sign(sighting()); return wire('de-bka', await encryptBundle(s.bytes, strangerPublic), s.signature, own.fingerprint); }, 'FEEDBACK_NOT_FOR_THIS_NODE'],
    ['a sender that is not a pinned partner', async () => wire('us-hsi', (await sign(sighting({ from: 'us-hsi' }))).bytes, (await sign(sighting({ from: 'us-hsi' }))).signature), 'FEEDBACK_UNKNOWN_SENDER'],
    ['no signature header', async () => wire('de-bka', (await sign(sighting())).bytes, ''), 'FEEDBACK_SIGNATURE_INVALID'],
    ['a signature header that is not base64', async () => wire('de-bka', (await sign(sighting())).bytes, '!!not base64!!'), 'FEEDBACK_SIGNATURE_INVALID'],
    ['a signature by another key', async () => { const s = await signAsStranger(sighting()); return wire('de-bka', s.bytes, s.signature); }, 'FEEDBACK_SIGNER_MISMATCH'],
    ['bytes changed after signing', async () => { const s = await sign(sighting()); return wire('de-bka', new TextEncoder().encode(new TextDecoder().decode(s.bytes).replace('"count":2', '"count":9')), s.signature); }, 'FEEDBACK_SIGNATURE_INVALID'],
    ['a message naming another sender than its subject', async () => { const s = await sign(sighting({ from: 'us-hsi' })); return wire('de-bka', s.bytes, s.signature); }, 'FEEDBACK_SENDER_MISMATCH'],
    ['a message addressed to another node', async () => { const s = await sign(sighting({ to: 'us-hsi' })); return wire('de-bka', s.bytes, s.signature); }, 'FEEDBACK_NOT_ADDRESSED'],
    ['a message made an hour ahead', async () => { const s = await sign(sighting({ at: new Date(Date.now() + 3_600_000).toISOString() })); return wire('de-bka', s.bytes, s.signature); }, 'FEEDBACK_FROM_THE_FUTURE'],
    ['not JSON', async () => wire('de-bka', new TextEncoder().encode('{not json'), (await sign(sighting())).signature), 'FEEDBACK_MALFORMED_JSON'],
    ['an unknown spec', async () => wire('de-bka', new TextEncoder().encode(canonicalJson({ ...sighting(), spec: 'palermo/gossip@1' })), (await sign(sighting())).signature), 'FEEDBACK_SCHEMA_INVALID'],
    ['more bytes than the limit', async () => wire('de-bka', new Uint8Array(9000).fill(32), (await sign(sighting())).signature), 'FEEDBACK_OVERSIZE'],
    ['a handler refusal', () => sealed(sighting({ count: 13 })), 'FEEDBACK_TEST_REFUSED'],
    ['a handler DomainError (its verdict on this message)', () => sealed(sighting({ count: 14 })), 'SIGHTING_INVALID'],
    ['a validly signed message sent in clear', async () => { const s = await sign(sighting()); return wire('de-bka', s.bytes, s.signature); }, 'FEEDBACK_NOT_ENCRYPTED'],
    ['a message made 91 days ago', () => sealed(sighting({ at: new Date(Date.now() - 91 * 86_400_000).toISOString() })), 'FEEDBACK_STALE'],
  ])('quarantines %s with its code, acks, and applies nothing', async (_what, make, code) => {
    const { inbox, handled, quarantined } = setup();
    expect(await inbox.handle(await make())).toBe('ack');
    expect(quarantined).toEqual([expect.objectContaining({ code, auditAction: 'feedback.refused', streamSeq: 7 })]);
    if (code !== 'FEEDBACK_TEST_REFUSED' && code !== 'SIGHTING_INVALID') expect(handled).toEqual([]);
  });

  it('quarantines a spec no feature handles as FEEDBACK_UNSUPPORTED', async () => {
    const { quarantined } = setup();
    const bare = new FeedbackInbox(
      { partners: { get: async () => ({ nodeId: 'de-bka' }) }, quarantine: { add: async (q: QuarantineInput) => (quarantined.push(q), { id: '1', duplicate: false }) } } as unknown as Store,
      { verifyWithHistory: async (_p: unknown, _m: unknown, verify: (k: NodePublicKey) => Promise<unknown>) => ({ ok: true, verified: await verify(pinned), fingerprint: 'f', key: pinned }) } as unknown as SignerKeys,
      new FeedbackHandlers(),
      ring,
      { nodeId: 'nl-police' } as NodeConfig,
    );
    expect(await bare.handle(await sealed(sighting()))).toBe('ack');
    expect(quarantined.map((q) => q.code)).toEqual(['FEEDBACK_UNSUPPORTED']);
  });

  it('lets a handler failure through, so the message is delivered again, until the 20th delivery quarantines it', async () => {
    const handlers = new FeedbackHandlers();
    handlers.register<SightingFeedback>(SIGHTING_SPEC, async () => {
      throw new Error('database away');
    });
    const { quarantined } = setup();
    const inbox = new FeedbackInbox(
      { partners: { get: async () => ({ nodeId: 'de-bka' }) }, quarantine: { add: async (q: QuarantineInput) => (quarantined.push(q), { id: '1', duplicate: false }) } } as unknown as Store,
      { verifyWithHistory: async (_p: unknown, _m: unknown, verify: (k: NodePublicKey) => Promise<unknown>) => ({ ok: true, verified: await verify(pinned), fingerprint: 'f', key: pinned }) } as unknown as SignerKeys,
      handlers,
      ring,
      { nodeId: 'nl-police' } as NodeConfig,
    );
    await expect(inbox.handle(await sealed(sighting()))).rejects.toThrow('database away');
    await expect(inbox.handle(await sealed(sighting(), MAX_DELIVERIES - 1))).rejects.toThrow('database away');
    expect(quarantined).toEqual([]);
    expect(await inbox.handle(await sealed(sighting(), MAX_DELIVERIES))).toBe('ack');
    expect(quarantined).toEqual([expect.objectContaining({ code: 'FEEDBACK_HANDLER_FAILED', message: expect.stringContaining('database away') })]);
  });

  it('refuses to register two handlers for one spec', () => {
    const handlers = new FeedbackHandlers();
    handlers.register(SIGHTING_SPEC, async () => undefined);
    expect(() => handlers.register(SIGHTING_SPEC, async () => undefined)).toThrow(/already registered/);
  });
});
