import { createHash, randomBytes } from 'node:crypto';
import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './feed.test-fixtures';
import { FeedbackChannel, type FeedbackChannelMessage, type FeedbackPublishInput } from './feedback.channel';
import { feedbackConsumerName, feedbackStreamName } from './federation.subjects';
import { NatsConnection } from './nats.connection';
import { feedbackStreamConfig } from './stream.configs';

// FeedbackChannel on a real nats-server (no authentication: the node creates its own stream, as on single.conf). The
// permissions side — who may publish where and read what — is deploy-nats.spec.ts.

const fakeFeedback = (to: string, from: string, label: string): FeedbackPublishInput => {
  const payload = new TextEncoder().encode(JSON.stringify({ to, from, label }));
  return { to, from, messageHash: createHash('sha256').update(payload).digest('hex'), payload, signature: randomBytes(64), signerFingerprint: randomBytes(20).toString('hex') };
};
const label = (msg: FeedbackChannelMessage): string => (JSON.parse(new TextDecoder().decode(msg.payload)) as { label: string }).label;

describe('FeedbackChannel (real nats-server)', () => {
  let server: NatsServerHandle;
  const connections: NatsConnection[] = [];
  const channels: FeedbackChannel[] = [];

  /** A node process's connection and channel; several can exist, like a node restarting. */
  async function open(name: string): Promise<{ connection: NatsConnection; channel: FeedbackChannel }> {
    const connection = new NatsConnection({ natsUrl: server.url, name, requestTimeoutMs: 1_500, reconnectTimeWaitMs: 200 });
    connection.start();
    await connection.connected();
    const channel = new FeedbackChannel(connection);
    connections.push(connection);
    channels.push(channel);
    return { connection, channel };
  }

  /** Follow `to`'s feedback into an array, until stopped. */
  async function collect(channel: FeedbackChannel, to: string, handler?: (msg: FeedbackChannelMessage) => 'ack' | 'retry') {
    const seen: FeedbackChannelMessage[] = [];
    const follow = channel.follow({ to, handler: (msg) => (seen.push(msg), handler ? handler(msg) : 'ack') });
    await follow.ready;
    return { seen, stop: follow.stop };
  }

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    for (const channel of channels) await channel.onModuleDestroy();
    for (const connection of connections) await connection.close();
    await server?.stop();
  });

  it('feedback for a node without a feedback stream fails as NATS_UNAVAILABLE (the outbox keeps it)', async () => {
    const { channel } = await open('early');
    await expect(channel.publish(fakeFeedback('nl-police', 'de-bka', 'early'))).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
  });

  it.each<[string, Partial<FeedbackPublishInput>, string]>([
    ['a hash in upper case', { messageHash: 'AB'.repeat(32) }, 'INVALID_FEEDBACK_HASH'],
    ['a hash that is too short', { messageHash: 'ab'.repeat(31) }, 'INVALID_FEEDBACK_HASH'],
    ['a recipient that is a subject wildcard', { to: '>' }, 'INVALID_NODE_ID'],
    ['a sender with a dot (a second subject token)', { from: 'de.bka' }, 'INVALID_NODE_ID'],
    ['the community audience as recipient', { to: 'all' }, 'INVALID_NODE_ID'],
  ])('refuses to publish %s', async (_name, change, code) => {
    const { channel } = await open('refusals');
    await expect(channel.publish({ ...fakeFeedback('nl-police', 'de-bka', 'x'), ...change })).rejects.toMatchObject({ code });
  });

  it('stores feedback in the recipient-owned stream; follow delivers it with `from` taken from the subject', async () => {
    const { connection, channel } = await open('nl-police');
    await channel.ensureStream('nl-police');
    await channel.ensureStream('nl-police'); // idempotent
    const info = await (await connection.jetstreamManager()).streams.info(feedbackStreamName('nl-police'));
    const config = feedbackStreamConfig('nl-police');
    expect(info.config).toMatchObject({ subjects: ['palermo.v1.feedback.nl-police.*'], storage: 'file', retention: 'limits', max_msg_size: config.max_msg_size, max_age: config.max_age });
    const fromDe = fakeFeedback('nl-police', 'de-bka', 'sighting');
    // The body claims another sender: the channel reports the subject's, the only one the server vouches for.
    const lying = { ...fakeFeedback('nl-police', 'us-hsi', 'dispute'), payload: new TextEncoder().encode(JSON.stringify({ from: 'de-bka', label: 'dispute' })) };
    expect(await channel.publish(fromDe)).toEqual({ duplicate: false });
    expect(await channel.publish(lying)).toEqual({ duplicate: false });
    const { seen, stop } = await collect(channel, 'nl-police');
    await waitFor('two messages', () => seen.length >= 2);
    expect(seen.map((m) => [m.to, m.from, m.subject, label(m)])).toEqual([
      ['nl-police', 'de-bka', 'palermo.v1.feedback.nl-police.de-bka', 'sighting'],
      ['nl-police', 'us-hsi', 'palermo.v1.feedback.nl-police.us-hsi', 'dispute'],
    ]);
    expect(seen[0]!.headers).toMatchObject({
      'Palermo-Hash': fromDe.messageHash,
      'Palermo-Signer': fromDe.signerFingerprint,
      'Palermo-Signature': Buffer.from(fromDe.signature).toString('base64'),
      'Nats-Msg-Id': fromDe.messageHash,
    });
    expect(seen.map((m) => [m.streamSeq, m.redelivered])).toEqual([
      [1, false],
      [2, false],
    ]);
    await stop();
  });

  it('a duplicate message hash is stored once and delivered once', async () => {
    const { connection, channel } = await open('de-bka');
    await channel.ensureStream('de-bka');
    const message = fakeFeedback('de-bka', 'nl-police', 'resolution');
    expect(await channel.publish(message)).toEqual({ duplicate: false });
    expect(await channel.publish(message)).toEqual({ duplicate: true });
    // Same hash, other bytes (a retry after a crash re-signs nothing; the hash is the id): still one.
    expect(await channel.publish({ ...message, signature: randomBytes(64) })).toEqual({ duplicate: true });
    const marker = fakeFeedback('de-bka', 'nl-police', 'marker');
    await channel.publish(marker);
    expect((await (await connection.jetstreamManager()).streams.info(feedbackStreamName('de-bka'))).state.messages).toBe(2);
    const { seen, stop } = await collect(channel, 'de-bka');
    await waitFor('the marker', () => seen.some((m) => label(m) === 'marker'));
    expect(seen.map(label)).toEqual(['resolution', 'marker']);
    await stop();
  });

  it('ignores a message on a subject that names no sender, and never sees feedback addressed to another node', async () => {
    const { connection, channel } = await open('us-hsi');
    await channel.ensureStream('us-hsi');
    await channel.ensureStream('fr-police');
    const js = await connection.jetstream();
    // In us-hsi's stream (palermo.v1.feedback.us-hsi.*) but no sender: not node ids. Stored by JetStream, never handed on.
    for (const token of ['all', 'X', 'a', 'de_bka']) {
      expect(await js.publish(`palermo.v1.feedback.us-hsi.${token}`, 'foreign')).toMatchObject({ stream: feedbackStreamName('us-hsi') });
    }
    // Addressed to fr-police: another stream.
    await channel.publish(fakeFeedback('fr-police', 'de-bka', 'not for us-hsi'));
    await channel.publish(fakeFeedback('us-hsi', 'de-bka', 'for us-hsi'));
    const { seen, stop } = await collect(channel, 'us-hsi');
    await waitFor('the message for us-hsi', () => seen.length >= 1);
    // The foreign ones were acked (not left to block the durable, which holds one message at a time).
    const durable = feedbackConsumerName('us-hsi');
    const jsm = await connection.jetstreamManager();
    await waitFor('all acked', async () => (await jsm.consumers.info(feedbackStreamName('us-hsi'), durable)).ack_floor.stream_seq === 5);
    expect(seen.map((m) => [m.from, label(m)])).toEqual([['de-bka', 'for us-hsi']]);
    await stop();
  });

  it('delivery survives a restart of the follower: acked messages stay read, a retried one and those sent meanwhile arrive', async () => {
    const first = await open('it-police before restart');
    await first.channel.ensureStream('it-police');
    await first.channel.publish(fakeFeedback('it-police', 'de-bka', 'one'));
    await first.channel.publish(fakeFeedback('it-police', 'nl-police', 'two'));
    // 'one' is handled; 'two' fails for a passing reason (retry) and the node goes down before it succeeds.
    const before = await collect(first.channel, 'it-police', (msg) => (label(msg) === 'one' ? 'ack' : 'retry'));
    await waitFor('one, and two tried', () => before.seen.some((m) => label(m) === 'two'));
    await before.stop();
    await first.connection.close();
    // Sent while it is down: kept by the stream.
    const sender = await open('sender');
    await sender.channel.publish(fakeFeedback('it-police', 'us-hsi', 'three'));
    // The node comes back: a new process, a new connection, the same durable.
    const second = await open('it-police after restart');
    await second.channel.ensureStream('it-police');
    const after = await collect(second.channel, 'it-police');
    await waitFor('two and three after the restart', () => after.seen.length >= 2, 20_000);
    expect(after.seen.map((m) => [m.from, label(m), m.redelivered])).toEqual([
      ['nl-police', 'two', true],
      ['us-hsi', 'three', false],
    ]);
    expect(before.seen.filter((m) => label(m) === 'one')).toHaveLength(1);
    await after.stop();
  });
});
