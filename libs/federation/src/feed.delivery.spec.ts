import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedDelivery, messageDelivery, type ChainDelivery } from './feed.delivery';
import { FeedPublisher } from './feed.publisher';
import { fakeBundle, waitFor } from './feed.test-fixtures';
import { feedConsumerName, feedStreamName, feedSubject } from './federation.subjects';
import { NatsConnection } from './nats.connection';

// "Delivered" from the publisher's side: the recipient's durable on the publisher's own stream, as
// nats-server reports it. The recipient here is a second connection that pulls and acks by hand.
const P = 'nl-police';
const R = 'be-police';
const STREAM = feedStreamName(P);

describe('FeedDelivery (real nats-server)', () => {
  let server: NatsServerHandle;
  let pubConnection: NatsConnection;
  let recipient: NatsConnection;
  let publisher: FeedPublisher;
  let delivery: FeedDelivery;

  beforeAll(async () => {
    server = await startNatsServer();
    pubConnection = new NatsConnection({ natsUrl: server.url, name: P, requestTimeoutMs: 1_500, reconnectTimeWaitMs: 200 });
    recipient = new NatsConnection({ natsUrl: server.url, name: R, requestTimeoutMs: 1_500, reconnectTimeWaitMs: 200 });
    pubConnection.start();
    recipient.start();
    publisher = new FeedPublisher(pubConnection);
    delivery = new FeedDelivery(pubConnection, { cacheMs: 0 });
    await Promise.all([pubConnection.connected(), recipient.connected()]);
  });

  afterAll(async () => {
    await pubConnection?.close();
    await recipient?.close();
    await server?.stop();
  });

  const durable = async (audience: string) =>
    (await recipient.jetstreamManager()).consumers.add(STREAM, {
      durable_name: feedConsumerName(R, audience),
      filter_subject: feedSubject(P, audience),
      ack_policy: 'explicit' as never,
      deliver_policy: 'all' as never,
    });

  it('says "no consumer" (with the reason) before the stream or the recipient’s durable exists, never "not delivered"', async () => {
    const [own, all] = await delivery.deliveryState(P, R);
    expect(own).toMatchObject({ audience: R, durable: 'be-police_be-police', state: 'no-consumer', deliveredStreamSeq: null, ackFloorStreamSeq: null });
    expect(own.reason).toMatch(/stream PALERMO_FEED_NL_POLICE does not exist/);
    expect(all).toMatchObject({ audience: 'all', durable: 'be-police_all', state: 'no-consumer' });
    await publisher.ensureStream(P);
    const again = await delivery.chain(P, R, R);
    expect(again).toMatchObject({ state: 'no-consumer', reason: expect.stringMatching(/has not created its durable be-police_be-police/) });
    expect(messageDelivery(1, again)).toEqual({ delivered: null, acked: null });
  });

  it('follows the recipient’s durable: stored → delivered (not acked) → acked, per chain', async () => {
    const first = await publisher.publish(fakeBundle(P, R, 'one'));
    const toAll = await publisher.publish(fakeBundle(P, 'all', 'community'));
    const second = await publisher.publish(fakeBundle(P, R, 'two'));
    await durable(R);
    const fresh = await delivery.chain(P, R, R);
    expect(fresh).toMatchObject({ state: 'read', deliveredStreamSeq: 0, ackFloorStreamSeq: 0, pending: 2, ackPending: 0, reason: null });
    expect(messageDelivery(first.streamSeq, fresh)).toEqual({ delivered: false, acked: false });

    const consumer = await (await recipient.jetstream()).consumers.get(STREAM, feedConsumerName(R, R));
    const taken = await consumer.next({ expires: 2_000 });
    expect(taken?.seq).toBe(first.streamSeq);
    const delivered = await delivery.chain(P, R, R);
    expect(delivered).toMatchObject({ deliveredStreamSeq: first.streamSeq, ackFloorStreamSeq: 0, pending: 1, ackPending: 1 });
    expect(messageDelivery(first.streamSeq, delivered)).toEqual({ delivered: true, acked: false });
    expect(messageDelivery(second.streamSeq, delivered)).toEqual({ delivered: false, acked: false });

    expect(await taken?.ackAck()).toBe(true);
    const acked = await delivery.chain(P, R, R);
    expect(acked).toMatchObject({ deliveredStreamSeq: first.streamSeq, ackFloorStreamSeq: first.streamSeq, ackPending: 0 });
    expect(messageDelivery(first.streamSeq, acked)).toEqual({ delivered: true, acked: true });
    // The community chain has its own durable, still absent: unknown, not "not delivered".
    expect(messageDelivery(toAll.streamSeq, await delivery.chain(P, R, 'all'))).toEqual({ delivered: null, acked: null });
  });

  it('a bundle never published is not delivered, whatever the consumer says', () => {
    const unknown = { state: 'unavailable', deliveredStreamSeq: null, ackFloorStreamSeq: null } as ChainDelivery;
    expect(messageDelivery(null, unknown)).toEqual({ delivered: false, acked: false });
  });

  it('reuses an answer for a few seconds and shares one request between concurrent callers', async () => {
    let now = Date.parse('2026-12-06T12:00:00Z');
    const cached = new FeedDelivery(pubConnection, { cacheMs: 3_000, now: () => now });
    const [a, b] = await Promise.all([cached.chain(P, R, R), cached.chain(P, R, R)]);
    expect(b).toBe(a);
    await publisher.publish(fakeBundle(P, R, 'three'));
    const consumer = await (await recipient.jetstream()).consumers.get(STREAM, feedConsumerName(R, R));
    const msg = await consumer.next({ expires: 2_000 });
    await msg?.ackAck();
    now += 2_000;
    expect(await cached.chain(P, R, R)).toBe(a);
    now += 1_500;
    const later = await cached.chain(P, R, R);
    expect(later.ackFloorStreamSeq).toBe(msg?.seq);
    expect(later.checkedAt).toBe(new Date(now).toISOString());
  });

  it.each([
    ['a wildcard recipient', '>', 'all'],
    ['"all" as recipient', 'all', 'all'],
    ['a dotted audience', R, 'be-police.x'],
  ])('refuses %s before asking NATS', async (_name, who, audience) => {
    expect(() => delivery.chain(P, who, audience)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^INVALID_(NODE_ID|AUDIENCE)$/) }));
  });

  it('says "unavailable" with the reason, at once, while NATS is down — and reads again after', async () => {
    await server.kill('SIGKILL');
    await waitFor('the publisher to notice', () => !pubConnection.health().connected);
    const started = Date.now();
    const down = await delivery.deliveryState(P, R);
    expect(Date.now() - started).toBeLessThan(500);
    for (const chain of down) {
      expect(chain).toMatchObject({ state: 'unavailable', deliveredStreamSeq: null, reason: expect.stringMatching(/NATS unavailable/) });
      expect(messageDelivery(1, chain)).toEqual({ delivered: null, acked: null });
    }
    await server.restart();
    await pubConnection.connected(10_000);
    await waitFor('the consumer state again', async () => (await delivery.chain(P, R, R)).state === 'read');
  });
});
