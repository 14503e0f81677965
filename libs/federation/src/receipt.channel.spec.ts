import { createHash, randomBytes } from 'node:crypto';
import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './feed.test-fixtures';
import { NatsConnection } from './nats.connection';
import { ReceiptChannel, type ReceiptMessage, type ReceiptPublishInput } from './receipt.channel';

const fakeReceipt = (publisher: string, recipient: string, label: string): ReceiptPublishInput => {
  const payload = new TextEncoder().encode(JSON.stringify({ publisher, recipient, label }));
  return { publisher, recipient, receiptHash: createHash('sha256').update(payload).digest('hex'), payload, signature: randomBytes(64), signerFingerprint: randomBytes(20).toString('hex') };
};

describe('ReceiptChannel (real nats-server)', () => {
  let server: NatsServerHandle;
  let connection: NatsConnection;
  let channel: ReceiptChannel;

  beforeAll(async () => {
    server = await startNatsServer();
    connection = new NatsConnection({ natsUrl: server.url, name: 'receipts', requestTimeoutMs: 1_500, reconnectTimeWaitMs: 200 });
    connection.start();
    channel = new ReceiptChannel(connection);
    await connection.connected();
  });

  afterAll(async () => {
    await channel?.onModuleDestroy();
    await connection?.close();
    await server?.stop();
  });

  it('a receipt for a publisher without a receipts stream fails as NATS_UNAVAILABLE (the outbox keeps it)', async () => {
    await expect(channel.publish(fakeReceipt('nl-police', 'de-bka', 'early'))).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
  });

  it('stores receipts in the publisher-owned stream (deduplicated by receipt hash) and the publisher reads them with the recipient from the subject', async () => {
    await channel.ensureStream('nl-police');
    await channel.ensureStream('nl-police'); // idempotent
    const info = await (await connection.jetstreamManager()).streams.info('PALERMO_RECEIPTS_NL_POLICE');
    expect(info.config).toMatchObject({ subjects: ['palermo.v1.receipt.nl-police.*'], storage: 'file', retention: 'limits' });
    const first = fakeReceipt('nl-police', 'de-bka', 'one');
    expect(await channel.publish(first)).toEqual({ duplicate: false });
    expect(await channel.publish(first)).toEqual({ duplicate: true });
    await channel.publish(fakeReceipt('nl-police', 'us-hsi', 'two'));
    const seen: ReceiptMessage[] = [];
    const follow = channel.follow({ publisher: 'nl-police', handler: (msg) => (seen.push(msg), 'ack') });
    await follow.ready;
    await waitFor('two receipts', () => seen.length >= 2);
    expect(seen.map((m) => [m.recipient, m.headers['Palermo-Hash'], new TextDecoder().decode(m.payload).includes('"label"')])).toEqual([
      ['de-bka', first.receiptHash, true],
      ['us-hsi', expect.stringMatching(/^[0-9a-f]{64}$/), true],
    ]);
    await follow.stop();
  });
});
