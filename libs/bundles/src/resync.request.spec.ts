import { beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey, readPublicKey, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import {
  makeResyncRequest,
  MAX_RESYNC_REQUEST_BYTES,
  parseResyncRequest,
  resyncRequestBytes,
  verifyResyncRequest,
  type SignedResyncRequest,
} from './resync.request';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const bytesOf = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('resync requests', () => {
  let deKey: NodePrivateKey;
  let dePublic: NodePublicKey;
  let usKey: NodePrivateKey;
  let usPublic: NodePublicKey;
  let signed: SignedResyncRequest;

  beforeAll(async () => {
    const [de, us] = await Promise.all([generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' }), generateNodeKey({ nodeId: 'us-hsi', jurisdiction: 'US' })]);
    [deKey, usKey, dePublic, usPublic] = await Promise.all([
      readPrivateKey(de.armoredPrivateKey),
      readPrivateKey(us.armoredPrivateKey),
      readPublicKey(de.armoredPublicKey),
      readPublicKey(us.armoredPublicKey),
    ]);
    signed = await makeResyncRequest({ requester: 'de-bka', publisher: 'nl-police', audience: 'de-bka', fromSeq: 3, toSeq: 7, at: NOW }, deKey);
  });

  const verify = (s: SignedResyncRequest, key = dePublic, now = NOW) => verifyResyncRequest(s, { self: 'nl-police', requesterKey: key, now, maxSkewMs: 120_000 });

  it('round-trips through bytes and verifies with the requester’s pinned key', async () => {
    const parsed = parseResyncRequest(resyncRequestBytes(signed));
    expect(parsed).toEqual({ ok: true, signed });
    if (!parsed.ok) throw new Error('unreachable');
    expect(await verify(parsed.signed)).toEqual({ ok: true, signed });
    expect(signed.request).toMatchObject({ spec: 'palermo/resync-request@1', fromSeq: 3, toSeq: 7, at: NOW.toISOString() });
    expect(signed.request.nonce).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a fresh nonce per request; the community chain and an open end are fine', async () => {
    const other = await makeResyncRequest({ requester: 'de-bka', publisher: 'nl-police', audience: 'all', fromSeq: 1, at: NOW }, deKey);
    expect(other.request.nonce).not.toBe(signed.request.nonce);
    expect(other.request.toSeq).toBeUndefined();
    expect(await verify(other)).toMatchObject({ ok: true });
  });

  it('refuses a request changed after signing (wider range)', async () => {
    const tampered = { ...signed, request: { ...signed.request, fromSeq: 1 } };
    expect(await verify(tampered)).toMatchObject({ ok: false, code: 'RESYNC_SIGNATURE_INVALID' });
  });

  it('refuses a request signed by another key than the requester’s pinned one', async () => {
    const forged = await makeResyncRequest({ requester: 'de-bka', publisher: 'nl-police', audience: 'de-bka', fromSeq: 1, at: NOW }, usKey);
    expect(await verify(forged)).toMatchObject({ ok: false, code: 'RESYNC_SIGNATURE_INVALID', message: expect.stringMatching(/pinned key of de-bka/) });
    // Even when the signer field is set to the pinned fingerprint, the signature does not verify.
    const relabelled = { ...forged, request: { ...forged.request, signer: signed.request.signer } };
    expect(await verify(relabelled)).toMatchObject({ ok: false, code: 'RESYNC_SIGNATURE_INVALID' });
    expect(await verify(signed, usPublic)).toMatchObject({ ok: false, code: 'RESYNC_SIGNATURE_INVALID' });
  });

  it('refuses a request for another partner’s chain, or addressed to another publisher', async () => {
    const foreign = await makeResyncRequest({ requester: 'de-bka', publisher: 'nl-police', audience: 'us-hsi', fromSeq: 1, at: NOW }, deKey);
    expect(await verify(foreign)).toMatchObject({ ok: false, code: 'RESYNC_NOT_ADDRESSED', message: expect.stringMatching(/us-hsi is not addressed to de-bka/) });
    const elsewhere = await makeResyncRequest({ requester: 'de-bka', publisher: 'us-hsi', audience: 'de-bka', fromSeq: 1, at: NOW }, deKey);
    expect(await verify(elsewhere)).toMatchObject({ ok: false, code: 'RESYNC_NOT_ADDRESSED' });
  });

  it.each([
    ['an old request (a replay after the window)', -121_000],
    ['a request from a clock too far ahead', 121_000],
  ])('refuses %s as RESYNC_STALE', async (_name, offset) => {
    expect(await verify(signed, dePublic, new Date(NOW.getTime() - offset))).toMatchObject({ ok: false, code: 'RESYNC_STALE' });
  });

  it('accepts a skew inside the window', async () => {
    expect(await verify(signed, dePublic, new Date(NOW.getTime() + 119_000))).toMatchObject({ ok: true });
  });

  it.each<[string, Uint8Array, string]>([
    ['oversize bytes', new Uint8Array(MAX_RESYNC_REQUEST_BYTES + 1).fill(0x20), 'RESYNC_OVERSIZE'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'RESYNC_MALFORMED'],
    ['not JSON', bytesOf('give me everything'), 'RESYNC_MALFORMED'],
    ['null', bytesOf('null'), 'RESYNC_MALFORMED'],
    ['no signature', bytesOf({ request: {} }), 'RESYNC_MALFORMED'],
  ])('refuses %s', (_name, bytes, code) => {
    expect(parseResyncRequest(bytes)).toMatchObject({ ok: false, code });
  });

  it.each<[string, (r: Record<string, unknown>) => Record<string, unknown>]>([
    ['an unknown field', (r) => ({ ...r, limit: 10 })],
    ['another spec', (r) => ({ ...r, spec: 'palermo/resync-request@2' })],
    ['a requester that is no node id', (r) => ({ ...r, requester: 'de.bka.>' })],
    ['a request to itself', (r) => ({ ...r, publisher: 'de-bka' })],
    ['seq 0', (r) => ({ ...r, fromSeq: 0 })],
    ['a fractional seq', (r) => ({ ...r, fromSeq: 1.5 })],
    ['toSeq before fromSeq', (r) => ({ ...r, toSeq: 2 })],
    ['a range too wide', (r) => ({ ...r, fromSeq: 1, toSeq: 200_000 })],
    ['a short nonce', (r) => ({ ...r, nonce: 'abc' })],
    ['a local time', (r) => ({ ...r, at: '2026-12-06T12:00:00+01:00' })],
  ])('refuses %s as RESYNC_MALFORMED', (_name, change) => {
    const bytes = bytesOf({ request: change(signed.request as unknown as Record<string, unknown>), signature: signed.signature });
    expect(parseResyncRequest(bytes)).toMatchObject({ ok: false, code: 'RESYNC_MALFORMED' });
  });

  it('makeResyncRequest refuses to sign what the publisher would refuse', async () => {
    await expect(makeResyncRequest({ requester: 'de-bka', publisher: 'nl-police', audience: 'all', fromSeq: 0 }, deKey)).rejects.toMatchObject({ code: 'RESYNC_MALFORMED' });
  });
});
