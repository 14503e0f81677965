import { describe, expect, it } from 'vitest';
import { decodeResyncAnswer, encodeResyncAnswer, resyncFeedMessage, type ResyncAnswer, type ResyncBundle } from './resync.channel';

const bundle = (seq: number, size: number): ResyncBundle => ({
  publisher: 'nl-police',
  audience: 'de-bka',
  hash: seq.toString(16).padStart(64, '0'),
  payload: new Uint8Array(size).fill(seq),
  signerFingerprint: 'ab'.repeat(20),
  signature: new Uint8Array([1, 2, 3, seq]),
  seq,
  streamSeq: seq + 10,
});
const answer = (bundles: ResyncBundle[]): ResyncAnswer => ({ ok: true, publisher: 'nl-police', audience: 'de-bka', headSeq: 9, bundles, more: false });
const frame = (manifest: unknown, tail: Uint8Array = new Uint8Array()) => {
  const head = Buffer.from(JSON.stringify(manifest));
  const out = Buffer.alloc(4 + head.length + tail.length);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, 4);
  out.set(tail, 4 + head.length);
  return new Uint8Array(out);
};

describe('resync answers on the wire', () => {
  it('round-trips bundles byte for byte, in seq order', () => {
    const sent = [bundle(3, 100), bundle(4, 0), bundle(5, 2000)];
    expect(decodeResyncAnswer(encodeResyncAnswer(answer(sent), 1_000_000))).toEqual(answer(sent));
  });

  it('an encrypted bundle keeps its recipient across the wire and in the message the importer sees', () => {
    const sealed = { ...bundle(6, 50), encryptedTo: 'cd'.repeat(20) };
    const decoded = decodeResyncAnswer(encodeResyncAnswer(answer([bundle(5, 10), sealed]), 1_000_000));
    expect(decoded).toEqual(answer([bundle(5, 10), sealed]));
    expect(resyncFeedMessage(sealed).headers['Palermo-Encrypted']).toBe('cd'.repeat(20));
    expect(resyncFeedMessage(bundle(5, 10)).headers).not.toHaveProperty('Palermo-Encrypted');
    const manifest = { spec: 'palermo/resync-answer@1', ok: true, publisher: 'nl-police', audience: 'de-bka', headSeq: 1, more: false };
    const entry = { seq: 1, hash: '0'.repeat(64), signer: 'ab'.repeat(20), signature: 'AQ==', streamSeq: null, size: 0 };
    expect(() => decodeResyncAnswer(frame({ ...manifest, bundles: [{ ...entry, encryptedTo: 'not a fingerprint' }] }))).toThrow();
  });

  it('round-trips a refusal', () => {
    const refusal: ResyncAnswer = { ok: false, code: 'RESYNC_REPLAYED', message: 'nonce already used' };
    expect(decodeResyncAnswer(encodeResyncAnswer(refusal, 1_000))).toEqual(refusal);
  });

  it('stays under max_payload: keeps the first bundles that fit and says there are more', () => {
    const bytes = encodeResyncAnswer(answer([bundle(1, 400), bundle(2, 400), bundle(3, 400)]), 1_500);
    expect(bytes.byteLength).toBeLessThanOrEqual(1_500);
    const decoded = decodeResyncAnswer(bytes);
    expect(decoded).toMatchObject({ ok: true, more: true });
    expect(decoded.ok && decoded.bundles.map((b) => b.seq)).toEqual([1, 2]);
  });

  it('refuses explicitly when even one bundle does not fit', () => {
    expect(decodeResyncAnswer(encodeResyncAnswer(answer([bundle(1, 5_000)]), 1_000))).toMatchObject({ ok: false, code: 'RESYNC_ANSWER_TOO_LARGE' });
  });

  it('a resynced bundle looks to the importer like the live one', () => {
    const b = bundle(7, 10);
    expect(resyncFeedMessage(b)).toEqual({
      publisher: 'nl-police',
      audience: 'de-bka',
      subject: 'palermo.v1.feed.nl-police.de-bka',
      payload: b.payload,
      headers: { 'Nats-Msg-Id': b.hash, 'Palermo-Hash': b.hash, 'Palermo-Signer': b.signerFingerprint, 'Palermo-Signature': Buffer.from(b.signature).toString('base64') },
      streamSeq: 17,
      redelivered: false,
      deliveryCount: 1,
    });
  });

  const good = encodeResyncAnswer(answer([bundle(1, 10), bundle(2, 10)]), 1_000_000);
  const manifest = JSON.parse(Buffer.from(good.subarray(4, 4 + Buffer.from(good).readUInt32BE(0))).toString()) as Record<string, any>;
  const tail = good.subarray(4 + Buffer.from(good).readUInt32BE(0));

  it.each<[string, Uint8Array]>([
    ['too short', new Uint8Array([0, 0])],
    ['a manifest length past the end', new Uint8Array([0, 0, 1, 0, 0x7b])],
    ['a manifest that is not JSON', frame('x').map((v, i) => (i === 4 ? 0xff : v))],
    ['another spec', frame({ ...manifest, spec: 'palermo/resync-answer@2' }, tail)],
    ['a publisher with a wildcard', frame({ ...manifest, publisher: 'nl.>' }, tail)],
    ['an audience with a wildcard', frame({ ...manifest, audience: '*' }, tail)],
    ['a bundle entry with an upper-case hash', frame({ ...manifest, bundles: [{ ...manifest.bundles[0], hash: 'A'.repeat(64) }, manifest.bundles[1]] }, tail)],
    ['a bundle longer than the message', frame({ ...manifest, bundles: [manifest.bundles[0], { ...manifest.bundles[1], size: 11 }] }, tail)],
    ['trailing bytes', frame(manifest, new Uint8Array([...tail, 0]))],
    ['bundles out of order', frame({ ...manifest, bundles: [manifest.bundles[1], manifest.bundles[0]] }, tail)],
    ['a refusal without a code', frame({ spec: 'palermo/resync-answer@1', ok: false, message: 'no' })],
    ['a refusal with a free-text code', frame({ spec: 'palermo/resync-answer@1', ok: false, code: 'see +3161234', message: 'no' })],
  ])('refuses a hostile answer: %s', (_name, bytes) => {
    expect(() => decodeResyncAnswer(bytes)).toThrow(expect.objectContaining({ code: 'RESYNC_ANSWER_MALFORMED' }));
  });
});
