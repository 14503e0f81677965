import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FeedPublisher } from './feed.publisher';
import { FeedSubscriber } from './feed.subscriber';
import { fakeBundle, firstSeenOrder, labelOf, sleep, waitFor } from './feed.test-fixtures';
import type { ChainRef, FeedHandler, FeedMessage, FollowOptions } from './federation.types';
import { NatsConnection } from './nats.connection';

// Each test uses its own publisher id, hence its own stream and consumers: tests never see each other's messages.
describe('FeedSubscriber (real nats-server)', () => {
  let server: NatsServerHandle;
  let pubConnection: NatsConnection;
  let subConnection: NatsConnection;
  let publisher: FeedPublisher;
  let subscriber: FeedSubscriber;
  const errors: { error: unknown; chain: ChainRef }[] = [];

  const connect = async (name: string): Promise<NatsConnection> => {
    const connection = new NatsConnection({ natsUrl: server.url, name, requestTimeoutMs: 2_000, reconnectTimeWaitMs: 200 });
    connection.start();
    await connection.connected();
    return connection;
  };
  const follow = (options: Partial<FollowOptions> & Pick<FollowOptions, 'publisher' | 'handler'>) =>
    subscriber.follow({ subscriber: 'be-police', onError: (error, chain) => errors.push({ error, chain }), ...options });
  const publishAll = async (publisherId: string, audience: string, labels: string[]) => {
    for (const label of labels) await publisher.publish(fakeBundle(publisherId, audience, label));
  };
  const recorder = () => {
    const seen: FeedMessage[] = [];
    const handler: FeedHandler = (msg) => {
      seen.push(msg);
      return 'ack';
    };
    return { seen, handler, labels: () => seen.map(labelOf) };
  };

  beforeAll(async () => {
    server = await startNatsServer();
    pubConnection = await connect('publisher');
    subConnection = await connect('subscriber');
    publisher = new FeedPublisher(pubConnection);
    subscriber = new FeedSubscriber(subConnection);
  });

  afterEach(async () => {
    await subscriber.stop();
  });

  afterAll(async () => {
    await subscriber?.stop();
    await pubConnection?.close();
    await subConnection?.close();
    await server?.stop();
  });

  it('delivers each chain only to the consumers it is addressed to', async () => {
    await publishAll('nl-police', 'be-police', ['be-1', 'be-2']);
    await publishAll('nl-police', 'fr-police', ['fr-1']);
    await publishAll('nl-police', 'all', ['all-1']);
    const be = recorder();
    const fr = recorder();
    const beFollow = follow({ publisher: 'nl-police', handler: be.handler });
    const frFollow = subscriber.follow({ subscriber: 'fr-police', publisher: 'nl-police', handler: fr.handler });
    await Promise.all([beFollow.ready, frFollow.ready]);
    await waitFor('be-police to get 3 and fr-police 2', () => be.seen.length === 3 && fr.seen.length === 2);
    await sleep(300); // nothing else may trickle in
    expect(be.labels().sort()).toEqual(['all-1', 'be-1', 'be-2']);
    expect(fr.labels().sort()).toEqual(['all-1', 'fr-1']);
    expect(be.seen.filter((m) => m.audience === 'be-police').map(labelOf)).toEqual(['be-1', 'be-2']);
    expect(be.seen.find((m) => m.audience === 'all')).toMatchObject({ publisher: 'nl-police', subject: 'palermo.v1.feed.nl-police.all', redelivered: false });
    expect(Object.keys(be.seen[0].headers)).toEqual(expect.arrayContaining(['Nats-Msg-Id', 'Palermo-Hash', 'Palermo-Signer', 'Palermo-Signature']));
    expect(beFollow.status().map((s) => s.durable)).toEqual(['be-police_be-police', 'be-police_all']);
  });

  it('resumes after being offline: the 5 messages published meanwhile arrive, in order, once', async () => {
    const rec = recorder();
    let handle = follow({ publisher: 'offline-pub', handler: rec.handler });
    await publishAll('offline-pub', 'be-police', ['m0']);
    await waitFor('m0', () => rec.seen.length === 1);
    await handle.stop();
    await publishAll('offline-pub', 'be-police', ['m1', 'm2', 'm3', 'm4', 'm5']);
    await sleep(500);
    expect(rec.seen).toHaveLength(1);
    handle = follow({ publisher: 'offline-pub', handler: rec.handler });
    await waitFor('the 5 missed messages', () => rec.seen.length >= 6, 10_000);
    await sleep(300);
    expect(rec.labels()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(rec.seen.map((m) => m.streamSeq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("redelivers after 'retry' and after a throw, keeping chain order", async () => {
    await publishAll('retry-pub', 'be-police', ['r1', 'r2', 'r3']);
    const calls: { label: string; redelivered: boolean; deliveryCount: number }[] = [];
    const handler: FeedHandler = (msg) => {
      const label = labelOf(msg);
      calls.push({ label, redelivered: msg.redelivered, deliveryCount: msg.deliveryCount });
      const attempts = calls.filter((c) => c.label === label).length;
      if (label === 'r2' && attempts === 1) return 'retry';
      if (label === 'r3' && attempts === 1) throw new Error('database briefly unavailable');
      return 'ack';
    };
    const handle = follow({ publisher: 'retry-pub', handler, retryDelayMs: 200 });
    await waitFor('r3 to be acked', () => handle.status()[0].acked === 3);
    expect(calls.map((c) => c.label)).toEqual(['r1', 'r2', 'r2', 'r3', 'r3']);
    expect(calls[2]).toEqual({ label: 'r2', redelivered: true, deliveryCount: 2 });
    expect(handle.status()[0]).toMatchObject({ acked: 3, lastStreamSeq: 3, lastError: 'database briefly unavailable' });
    expect(errors.some((e) => String(e.error).includes('database briefly unavailable'))).toBe(true);
  });

  it('stop() waits for a running handler, acks it once, and the next follow continues after it', async () => {
    await publishAll('stop-pub', 'be-police', ['s1', 's2']);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: string[] = [];
    const handle = follow({
      publisher: 'stop-pub',
      handler: async (msg) => {
        calls.push(labelOf(msg));
        await gate;
        return 'ack' as const;
      },
    });
    await waitFor('s1 to be in the handler', () => calls.length === 1);
    let stopped = false;
    const stopping = handle.stop().then(() => (stopped = true));
    await sleep(400);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(calls).toEqual(['s1']);
    const info = await (await subConnection.jetstreamManager()).consumers.info('PALERMO_FEED_STOP_PUB', 'be-police_be-police');
    expect(info).toMatchObject({ num_ack_pending: 0, num_redelivered: 0, ack_floor: { stream_seq: 1 } });
    const rec = recorder();
    follow({ publisher: 'stop-pub', handler: rec.handler });
    await waitFor('s2', () => rec.seen.length === 1);
    await sleep(300);
    expect(rec.labels()).toEqual(['s2']);
  });

  it('waits for a stream that does not exist yet', async () => {
    const rec = recorder();
    const handle = follow({ publisher: 'late-pub', handler: rec.handler, maxRetryDelayMs: 500 });
    await sleep(800);
    expect(handle.status().every((s) => !s.bound && /stream not found/.test(s.lastError ?? ''))).toBe(true);
    await publishAll('late-pub', 'all', ['first']);
    await handle.ready;
    await waitFor('the first message', () => rec.seen.length === 1);
    expect(rec.labels()).toEqual(['first']);
  });

  it('refuses a second follow of the same publisher and bad ids', () => {
    follow({ publisher: 'dup-pub', handler: () => 'ack' });
    expect(() => follow({ publisher: 'dup-pub', handler: () => 'ack' })).toThrowError(expect.objectContaining({ code: 'ALREADY_FOLLOWING' }));
    expect(() => follow({ publisher: 'a.b', handler: () => 'ack' })).toThrowError(expect.objectContaining({ code: 'INVALID_NODE_ID' }));
    expect(() => follow({ publisher: 'x-pub', handler: () => 'ack', pullExpiresMs: 10 })).toThrowError(expect.objectContaining({ code: 'INVALID_FOLLOW' }));
  });
});
