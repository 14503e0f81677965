import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedPublisher } from './feed.publisher';
import { FeedSubscriber } from './feed.subscriber';
import { fakeBundle, firstSeenOrder, labelOf, sleep, waitFor } from './feed.test-fixtures';
import type { FeedPublishInput } from './federation.types';
import { NatsConnection } from './nats.connection';

// A server killed mid-sync (SIGKILL, no goodbye) and restarted on the same port and store.
describe('feeds across a nats-server crash (real nats-server)', () => {
  let server: NatsServerHandle;
  let pubConnection: NatsConnection;
  let subConnection: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    pubConnection = new NatsConnection({ natsUrl: server.url, name: 'nl-police', requestTimeoutMs: 2_000, reconnectTimeWaitMs: 200 });
    subConnection = new NatsConnection({ natsUrl: server.url, name: 'be-police', requestTimeoutMs: 2_000, reconnectTimeWaitMs: 200 });
    pubConnection.start();
    subConnection.start();
    await Promise.all([pubConnection.connected(), subConnection.connected()]);
  });

  afterAll(async () => {
    await pubConnection?.close();
    await subConnection?.close();
    await server?.stop();
  });

  /** What an exporter does: keep the bundle and retry while NATS is unavailable. */
  const publishWithRetry = async (publisher: FeedPublisher, bundle: FeedPublishInput): Promise<void> => {
    for (;;) {
      try {
        await publisher.publish(bundle);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'NATS_UNAVAILABLE') throw err;
        await sleep(200);
      }
    }
  };

  it('loses nothing, skips nothing and keeps order when the server is SIGKILLed mid-stream', async () => {
    const publisher = new FeedPublisher(pubConnection);
    const subscriber = new FeedSubscriber(subConnection);
    const labels = Array.from({ length: 20 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
    for (const label of labels.slice(0, 10)) await publisher.publish(fakeBundle('nl-police', 'be-police', label));

    const handled: string[] = [];
    const acked = new Set<string>();
    const follow = subscriber.follow({
      subscriber: 'be-police',
      publisher: 'nl-police',
      ackWaitMs: 2_000,
      maxRetryDelayMs: 1_000,
      onError: () => undefined,
      handler: async (msg) => {
        handled.push(labelOf(msg));
        await sleep(40); // an import takes a moment: the crash lands while one is in flight
        acked.add(labelOf(msg));
        return 'ack' as const;
      },
    });
    await waitFor('a few messages before the crash', () => handled.length >= 4);

    await server.kill('SIGKILL');
    const during = publishWithRetry(publisher, fakeBundle('nl-police', 'be-police', labels[10]));
    await sleep(700);
    await server.restart();
    await during;
    for (const label of labels.slice(11)) await publishWithRetry(publisher, fakeBundle('nl-police', 'be-police', label));

    await waitFor('all 20 messages to be handled', () => labels.every((label) => acked.has(label)), 45_000);
    await follow.stop();
    // At-least-once: a crash may replay what the server had not yet persisted as acked (the importer dedupes by
    // hash), but the first deliveries are exactly the stream order: nothing skipped, nothing reordered.
    expect(firstSeenOrder(handled)).toEqual(labels);
    const info = await (await subConnection.jetstreamManager()).consumers.info('PALERMO_FEED_NL_POLICE', 'be-police_be-police');
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0 });
    expect(subConnection.health()).toMatchObject({ connected: true, reconnects: 1 });
  });
});
