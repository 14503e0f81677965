import { createHash } from 'node:crypto';
import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './feed.test-fixtures';
import { LogChannel, type LogMessage } from './log.channel';
import { NatsConnection } from './nats.connection';

const bytes = (text: string) => new TextEncoder().encode(text);
const idOf = (payload: Uint8Array) => createHash('sha256').update(payload).digest('hex');

describe('LogChannel (real nats-server)', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;
  let channel: LogChannel;

  beforeAll(async () => {
    server = await startNatsServer();
    connection = new NatsConnection({ natsUrl: server.url, name: 'feed-log', requestTimeoutMs: 1_500, reconnectTimeWaitMs: 200 });
    connection.start();
    channel = new LogChannel(connection);
    await connection.connected();
  });

  afterAll(async () => {
    await channel?.onModuleDestroy();
    await connection?.close();
    await server?.stop();
  });

  it('a checkpoint before the publisher’s log stream exists fails as NATS_UNAVAILABLE (kept and retried)', async () => {
    await expect(channel.publishCheckpoint('nl-police', bytes('early'), idOf(bytes('early')))).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
  });

  it('keeps checkpoints and countersignatures in the publisher-owned stream; witnesses read checkpoints only, the publisher the countersignatures', async () => {
    await channel.ensureStream('nl-police');
    await channel.ensureStream('nl-police'); // idempotent
    const info = await (await connection.jetstreamManager()).streams.info('PALERMO_LOG_NL_POLICE');
    expect(info.config).toMatchObject({ subjects: ['palermo.v1.log.nl-police.checkpoint', 'palermo.v1.log.nl-police.witness.*'], storage: 'file' });
    const checkpoint = bytes('{"checkpoint":1}');
    expect(await channel.publishCheckpoint('nl-police', checkpoint, idOf(checkpoint))).toEqual({ duplicate: false });
    expect(await channel.publishCheckpoint('nl-police', checkpoint, idOf(checkpoint))).toEqual({ duplicate: true });
    await channel.publishWitness('nl-police', 'de-bka', bytes('countersigned'), idOf(bytes('countersigned')));
    await expect(channel.publishWitness('nl-police', 'de-bka', bytes('x'), 'not-a-hash')).rejects.toMatchObject({ code: 'INVALID_LOG_MSG_ID' });

    const checkpoints: LogMessage[] = [];
    const witnesses: LogMessage[] = [];
    const read = channel.followCheckpoints({ witness: 'de-bka', publisher: 'nl-police', handler: (msg) => (checkpoints.push(msg), 'ack') });
    const back = channel.followWitnesses({ publisher: 'nl-police', handler: (msg) => (witnesses.push(msg), 'ack') });
    await Promise.all([read.ready, back.ready]);
    await waitFor('one checkpoint and one countersignature', () => checkpoints.length >= 1 && witnesses.length >= 1);
    expect(checkpoints.map((m) => [m.publisher, m.witness, new TextDecoder().decode(m.payload)])).toEqual([['nl-police', undefined, '{"checkpoint":1}']]);
    expect(witnesses.map((m) => [m.publisher, m.witness, new TextDecoder().decode(m.payload)])).toEqual([['nl-police', 'de-bka', 'countersigned']]);
    await Promise.all([read.stop(), back.stop()]);
  });

  it('answers proof requests by request-reply, and says NATS_UNAVAILABLE when the publisher is not there', async () => {
    await expect(channel.requestProof('us-hsi', bytes('{}'))).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
    const served = channel.serveProofs('nl-police', async (request) => bytes(`answer to ${new TextDecoder().decode(request)}`));
    const answer = await (async () => {
      for (let i = 0; ; i++) {
        try {
          return await channel.requestProof('nl-police', bytes('leaf 0'));
        } catch (err) {
          if (i > 20) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    })();
    expect(new TextDecoder().decode(answer)).toBe('answer to leaf 0');
    await served.stop();
  });
});
