import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_HEADERS, FeedPublisher } from './feed.publisher';
import { fakeBundle, waitFor } from './feed.test-fixtures';
import { NatsConnection } from './nats.connection';

describe('FeedPublisher (real nats-server)', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;
  let publisher: FeedPublisher;

  beforeAll(async () => {
    server = await startNatsServer();
    connection = new NatsConnection({ natsUrl: server.url, name: 'nl-police', requestTimeoutMs: 1_500, reconnectTimeWaitMs: 200 });
    connection.start();
    publisher = new FeedPublisher(connection);
    await connection.connected();
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  it('creates the publisher stream once, with the wire-protocol settings', async () => {
    const first = await publisher.ensureStream('nl-police');
    const again = await publisher.ensureStream('nl-police');
    expect(first).toEqual({ name: 'PALERMO_FEED_NL_POLICE', subjects: ['palermo.v1.feed.nl-police.>'], created: true });
    expect(again.created).toBe(false);
    const info = await (await connection.jetstreamManager()).streams.info('PALERMO_FEED_NL_POLICE');
    expect(info.config).toMatchObject({ storage: 'file', retention: 'limits', duplicate_window: 120_000_000_000 });
  });

  it('stores a bundle with the hash as message id and the signature headers', async () => {
    const bundle = fakeBundle('nl-police', 'be-police', 'one');
    const result = await publisher.publish(bundle);
    expect(result).toMatchObject({ stream: 'PALERMO_FEED_NL_POLICE', duplicate: false });
    const stored = await (await connection.jetstreamManager()).streams.getMessage('PALERMO_FEED_NL_POLICE', { seq: result.streamSeq });
    expect(stored?.subject).toBe('palermo.v1.feed.nl-police.be-police');
    expect(Buffer.from(stored?.data ?? []).equals(Buffer.from(bundle.payload))).toBe(true);
    expect(stored?.header.get(FEED_HEADERS.msgId)).toBe(bundle.hash);
    expect(stored?.header.get(FEED_HEADERS.hash)).toBe(bundle.hash);
    expect(stored?.header.get(FEED_HEADERS.signer)).toBe(bundle.signerFingerprint);
    expect(Buffer.from(stored?.header.get(FEED_HEADERS.signature) ?? '', 'base64').equals(Buffer.from(bundle.signature))).toBe(true);
    expect(stored?.header.has(FEED_HEADERS.encrypted)).toBe(false);
  });

  it('names the recipient key of an encrypted payload in Palermo-Encrypted, and refuses a malformed one', async () => {
    const recipient = 'ab'.repeat(20);
    const bundle = { ...fakeBundle('nl-police', 'be-police', 'sealed'), encryptedTo: recipient };
    const result = await publisher.publish(bundle);
    const stored = await (await connection.jetstreamManager()).streams.getMessage('PALERMO_FEED_NL_POLICE', { seq: result.streamSeq });
    expect(stored?.header.get(FEED_HEADERS.encrypted)).toBe(recipient);
    await expect(publisher.publish({ ...bundle, encryptedTo: 'not a fingerprint' })).rejects.toMatchObject({ code: 'INVALID_RECIPIENT_FINGERPRINT' });
  });

  it('deduplicates a re-publish of the same hash (duplicate: true, same sequence)', async () => {
    const bundle = fakeBundle('nl-police', 'all', 'dup');
    const first = await publisher.publish(bundle);
    const second = await publisher.publish(bundle);
    expect(second).toEqual({ ...first, duplicate: true });
  });

  it('creates a missing stream on first publish', async () => {
    const result = await publisher.publish(fakeBundle('de-bka', 'all', 'lazy'));
    expect(result).toMatchObject({ stream: 'PALERMO_FEED_DE_BKA', streamSeq: 1, duplicate: false });
  });

  it('reports the server max_payload', () => {
    expect(publisher.maxPayload()).toBe(1024 * 1024);
  });

  it.each([
    ['a subject wildcard as audience', { audience: '>' }, 'INVALID_AUDIENCE'],
    ['"all" as publisher', { publisher: 'all' }, 'INVALID_NODE_ID'],
    ['an upper-case hash', { hash: 'A'.repeat(64) }, 'INVALID_BUNDLE_HASH'],
    ['a short fingerprint', { signerFingerprint: 'abcd' }, 'INVALID_SIGNER_FINGERPRINT'],
    ['an empty signature', { signature: new Uint8Array() }, 'INVALID_FEED_MESSAGE'],
    ['a payload over max_payload', { payload: new Uint8Array(1024 * 1024) }, 'FEED_PAYLOAD_TOO_LARGE'],
  ])('refuses %s', async (_name, patch, code) => {
    await expect(publisher.publish({ ...fakeBundle('nl-police', 'all', 'bad'), ...patch })).rejects.toMatchObject({ code });
  });

  it('fails with NATS_UNAVAILABLE instead of hanging when the server stops answering, and works again after', async () => {
    await server.kill('SIGSTOP'); // frozen: the TCP connection stays open, nothing answers
    try {
      const started = Date.now();
      await expect(publisher.publish(fakeBundle('nl-police', 'all', 'frozen'))).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.kill('SIGCONT');
    }
    await waitFor('publishing to work again', async () => {
      try {
        await publisher.publish(fakeBundle('nl-police', 'all', 'thawed'));
        return true;
      } catch {
        return false;
      }
    });
  });

  it('fails fast with NATS_UNAVAILABLE while disconnected', async () => {
    await server.kill('SIGKILL');
    await waitFor('the client to notice', () => !connection.health().connected);
    const started = Date.now();
    await expect(publisher.publish(fakeBundle('nl-police', 'all', 'down'))).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(500);
    await server.restart();
    await connection.connected(10_000);
    const result = await publisher.publish(fakeBundle('nl-police', 'all', 'back'));
    expect(result.duplicate).toBe(false);
  });
});
