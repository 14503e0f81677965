import { createHash } from 'node:crypto';
import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './feed.test-fixtures';
import type { FeedVerdict } from './federation.types';
import { KeyChannel, type KeyStatementMessage } from './key.channel';
import { NatsConnection } from './nats.connection';

const statement = (label: string) => {
  const payload = new TextEncoder().encode(JSON.stringify({ rotation: { label } }));
  return { publisher: 'nl-police', statementHash: createHash('sha256').update(payload).digest('hex'), payload };
};

describe('KeyChannel (real nats-server)', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;
  let channel: KeyChannel;

  beforeAll(async () => {
    server = await startNatsServer();
    connection = new NatsConnection({ natsUrl: server.url, name: 'keys', requestTimeoutMs: 1_500, reconnectTimeWaitMs: 200 });
    connection.start();
    channel = new KeyChannel(connection);
    await connection.connected();
  });

  afterAll(async () => {
    await channel?.onModuleDestroy();
    await connection?.close();
    await server?.stop();
  });

  it('a statement before the key stream exists fails as NATS_UNAVAILABLE (the outbox keeps it)', async () => {
    await expect(channel.publish(statement('early'))).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
  });

  it('refuses a statement hash that is not a SHA-256', async () => {
    await expect(channel.publish({ ...statement('x'), statementHash: 'nope' })).rejects.toMatchObject({ code: 'INVALID_STATEMENT_HASH' });
  });

  it('keeps statements in the node-owned stream (deduplicated by hash, no age limit) and a partner reads them in order through its durable', async () => {
    await channel.ensureStream('nl-police');
    await channel.ensureStream('nl-police'); // idempotent
    const info = await (await connection.jetstreamManager()).streams.info('PALERMO_KEYS_NL_POLICE');
    expect(info.config).toMatchObject({ subjects: ['palermo.v1.key.nl-police'], storage: 'file', retention: 'limits', max_age: 0 });
    const rotation = statement('rotation');
    expect(await channel.publish(rotation)).toMatchObject({ duplicate: false, streamSeq: 1 });
    expect(await channel.publish(rotation)).toMatchObject({ duplicate: true });
    await channel.publish(statement('revocation'));

    const seen: KeyStatementMessage[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const follow = channel.follow({
      subscriber: 'de-bka',
      publisher: 'nl-police',
      handler: async (msg): Promise<FeedVerdict> => {
        seen.push(msg);
        if (seen.length === 1) await held;
        return 'ack';
      },
    });
    await follow.ready;
    await waitFor('the first statement in the handler', () => seen.length === 1);
    // While the first is being handled, both still count as pending (what a bundle signed by a new key waits for).
    expect(await follow.pending()).toBe(2);
    release();
    await waitFor('both statements', () => seen.length === 2);
    await waitFor('nothing pending', async () => (await follow.pending()) === 0);
    expect(seen.map((m) => [m.publisher, m.streamSeq, new TextDecoder().decode(m.payload)])).toEqual([
      ['nl-police', 1, '{"rotation":{"label":"rotation"}}'],
      ['nl-police', 2, '{"rotation":{"label":"revocation"}}'],
    ]);
    await follow.stop();
  });
});
