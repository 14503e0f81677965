import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FeedPublisher,
  KeyChannel,
  LogChannel,
  FeedbackChannel,
  NatsConnection,
  nodeStreamConfigs,
  provisionStreams,
  ReceiptChannel,
  STREAM_NOT_PROVISIONED,
} from '@palermo/federation';
import { connectNatsUser, repoRoot, startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { DE_BKA, OPERATOR } from './fixtures/nats-nkeys';

// Who creates a node's streams (deploy/nats/README.md): on single.conf (no authentication) the node itself; under the
// nkey configs only the operator, with the same config (libs/federation stream.configs.ts). A node that finds its
// stream missing there reports STREAM_NOT_PROVISIONED, naming the stream, in health(), and recovers once provisioned.

const conf = (file: string): string => join(repoRoot(), 'deploy', 'nats', file);

function channels(connection: NatsConnection) {
  const feed = new FeedPublisher(connection);
  const receipts = new ReceiptChannel(connection);
  const keys = new KeyChannel(connection);
  const log = new LogChannel(connection);
  const feedback = new FeedbackChannel(connection);
  return {
    feed: (n: string) => feed.ensureStream(n),
    receipts: (n: string) => receipts.ensureStream(n),
    keys: (n: string) => keys.ensureStream(n),
    log: (n: string) => log.ensureStream(n),
    feedback: (n: string) => feedback.ensureStream(n),
  };
}

describe('stream provisioning under single-nkeys.conf: nodes may not create streams, the operator does', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer({ configFile: conf('single-nkeys.conf') });
    connection = new NatsConnection({ natsUrl: server.url, name: 'de-bka', nkeySeed: DE_BKA.seed, inboxPrefix: '_INBOX.de-bka', requestTimeoutMs: 2_000, reconnectTimeWaitMs: 200 });
    connection.start();
    await connection.connected(5_000);
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  it('a node whose streams are missing gets STREAM_NOT_PROVISIONED naming each stream, shown in health(), and stays connected', async () => {
    const ensure = channels(connection);
    for (const { kind, config } of nodeStreamConfigs('de-bka')) {
      const err = await ensure[kind]('de-bka').then(() => undefined, (e: unknown) => e);
      expect(err, kind).toMatchObject({ code: STREAM_NOT_PROVISIONED, details: { stream: config.name } });
      expect((err as Error).message).toContain(`stream ${config.name} does not exist`);
      expect((err as Error).message).toContain('palermo nats provision');
    }
    const health = connection.health();
    expect(health.connected).toBe(true);
    expect(health.streams?.map((s) => s.stream)).toEqual(nodeStreamConfigs('de-bka').map((s) => s.config.name));
    expect(health.streams?.[0]?.error).toMatch(/STREAM_NOT_PROVISIONED|must be provisioned/);
  });

  it('refuses a provisioning run without the operator seed, or with a node’s seed', async () => {
    await expect(provisionStreams({ servers: server.url, nodes: ['de-bka'] })).rejects.toMatchObject({ code: 'NATS_AUTH_FAILED' });
    // A node's seed: it may not even read the operator's inbox, so nothing answers (and it could not create anyway).
    await expect(provisionStreams({ servers: server.url, seed: DE_BKA.seed, nodes: ['de-bka'], timeoutMs: 1_000 })).rejects.toThrow();
    await expect(provisionStreams({ servers: server.url, seed: OPERATOR.seed, nodes: ['not a node id'] })).rejects.toThrow();
  });

  it('the operator creates the five streams with exactly the node’s config; the node then uses them (INFO only) and health() clears', async () => {
    const done = await provisionStreams({ servers: server.url, seed: OPERATOR.seed, nodes: ['de-bka'] });
    expect(done.map((d) => [d.kind, d.stream, d.action])).toEqual([
      ['feed', 'PALERMO_FEED_DE_BKA', 'created'],
      ['receipts', 'PALERMO_RECEIPTS_DE_BKA', 'created'],
      ['keys', 'PALERMO_KEYS_DE_BKA', 'created'],
      ['log', 'PALERMO_LOG_DE_BKA', 'created'],
      ['feedback', 'PALERMO_FEEDBACK_DE_BKA', 'created'],
    ]);
    const ensure = channels(connection);
    for (const { kind } of nodeStreamConfigs('de-bka')) await ensure[kind]('de-bka');
    expect(await new FeedPublisher(connection).ensureStream('de-bka')).toMatchObject({ created: false, subjects: ['palermo.v1.feed.de-bka.>'] });
    expect(connection.health().streams).toBeUndefined();
    const again = await provisionStreams({ servers: server.url, seed: OPERATOR.seed, nodes: ['de-bka'] });
    expect(again.map((d) => d.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });
});

describe('stream provisioning on a server without authentication (single.conf, the demo)', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer({ configFile: conf('single.conf') });
    connection = new NatsConnection({ natsUrl: server.url, name: 'nl-police', requestTimeoutMs: 2_000, reconnectTimeWaitMs: 200 });
    connection.start();
    await connection.connected(5_000);
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  it('the node creates its own streams, and the provisioner finds them identical (one config for both)', async () => {
    const ensure = channels(connection);
    for (const { kind } of nodeStreamConfigs('nl-police')) await ensure[kind]('nl-police');
    const done = await provisionStreams({ servers: server.url, nodes: ['nl-police'] });
    expect(done.map((d) => d.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('brings a stream a node configured with sources back to its config; one with republish must be deleted first', async () => {
    const user = await connectNatsUser({ servers: server.url });
    try {
      const stream = 'PALERMO_RECEIPTS_NL_POLICE';
      await user.jsm.streams.update(stream, { sources: [{ name: 'PALERMO_FEED_NL_POLICE' }] });
      const done = await provisionStreams({ servers: server.url, nodes: ['nl-police'] });
      expect(done.find((d) => d.stream === stream)?.action).toBe('updated');
      const config = (await user.jsm.streams.info(stream)).config;
      expect(config.sources ?? []).toEqual([]);
      expect(config.subjects).toEqual(['palermo.v1.receipt.nl-police.*']);
      await user.jsm.streams.delete('PALERMO_LOG_NL_POLICE');
      await user.jsm.streams.add({ name: 'PALERMO_LOG_NL_POLICE', subjects: ['palermo.v1.log.nl-police.>'], republish: { src: '>', dest: 'stolen.>' } });
      await expect(provisionStreams({ servers: server.url, nodes: ['nl-police'] })).rejects.toMatchObject({ code: 'STREAM_CONFIG_FOREIGN', details: { stream: 'PALERMO_LOG_NL_POLICE' } });
    } finally {
      await user.close();
    }
  });
});
