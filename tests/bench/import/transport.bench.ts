import { performance } from 'node:perf_hooks';
import { FeedPublisher, FeedSubscriber, NatsConnection, type FeedVerdict } from '@palermo/federation';
import type { CheckResult, PublishedBundle } from './bundle-check.bench';

/** JetStream publish + consume of the same payloads and headers, with no verification and no database. */
export interface TransportResult extends CheckResult {
  /** Time until the last publish was acknowledged by JetStream. */
  publishMs: number;
}

// A publisher nobody else follows: its own stream, so neither node sees these messages.
const RAW_PUBLISHER = 'bench-raw';
const RAW_SUBSCRIBER = 'bench-sink';

/**
 * Publishes every bundle (awaiting each JetStream ack, as the exporter does) while a FeedSubscriber
 * on a second connection reads them one at a time and acks at once — the node's transport path
 * with the importer replaced by a no-op.
 */
export async function benchTransport(natsUrl: string, bundles: PublishedBundle[], timeoutMs: number): Promise<TransportResult> {
  const pubConn = new NatsConnection({ natsUrl, name: `${RAW_PUBLISHER}-pub` });
  const subConn = new NatsConnection({ natsUrl, name: `${RAW_SUBSCRIBER}-sub` });
  pubConn.start();
  subConn.start();
  const publisher = new FeedPublisher(pubConn);
  const subscriber = new FeedSubscriber(subConn);
  try {
    await publisher.ensureStream(RAW_PUBLISHER);
    let received = 0;
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    const follow = subscriber.follow({
      subscriber: RAW_SUBSCRIBER,
      publisher: RAW_PUBLISHER,
      handler: async (): Promise<FeedVerdict> => {
        if (++received === bundles.length) allReceived();
        return 'ack';
      },
    });
    await follow.ready;
    const t0 = performance.now();
    for (const b of bundles) {
      await publisher.publish({ publisher: RAW_PUBLISHER, audience: 'all', hash: b.hash, payload: b.bytes, signerFingerprint: b.signer, signature: b.signature });
    }
    const publishMs = performance.now() - t0;
    await withTimeout(done, timeoutMs, () => `only ${received} of ${bundles.length} messages consumed`);
    const ms = performance.now() - t0;
    await follow.stop();
    return { ms, publishMs, bundles: bundles.length, indicators: bundles.reduce((n, b) => n + b.upserts, 0) };
  } finally {
    await subscriber.stop();
    await pubConn.close();
    await subConn.close();
  }
}

async function withTimeout(work: Promise<void>, ms: number, why: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${why()} after ${ms} ms`)), ms)));
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
