import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LookupChannel } from './lookup.channel';
import { NatsConnection } from './nats.connection';

describe('LookupChannel', () => {
  let server: NatsServerHandle;
  let responder: NatsConnection;
  let asker: NatsConnection;
  const enc = (s: string) => new TextEncoder().encode(s);
  const dec = (b: Uint8Array) => new TextDecoder().decode(b);

  beforeAll(async () => {
    server = await startNatsServer();
    responder = new NatsConnection({ natsUrl: server.url, name: 'responder' });
    asker = new NatsConnection({ natsUrl: server.url, name: 'asker', inboxPrefix: '_INBOX.nl-police' });
    responder.start();
    asker.start();
    await responder.connected(10_000);
    await asker.connected(10_000);
  });

  afterAll(async () => {
    await asker?.close();
    await responder?.close();
    await server?.stop();
  });

  it('serves palermo.v1.lookup.<responder>: the handler sees the bytes and the asker’s inbox, answers go back', async () => {
    const channel = new LookupChannel(responder);
    const seen: string[] = [];
    const served = channel.serve('de-bka', async (req) => {
      seen.push(req.reply);
      if (dec(req.payload) === 'boom') throw new Error('handler failed');
      return enc(`echo:${dec(req.payload)}`);
    }, () => enc('unavailable'));
    await served.ready;
    const client = new LookupChannel(asker);
    expect(dec(await client.request('de-bka', enc('hello'), 5_000))).toBe('echo:hello');
    expect(seen[0]).toMatch(/^_INBOX\.nl-police\./);
    // A handler that throws still answers (with the caller's refusal), and the next message is served.
    expect(dec(await client.request('de-bka', enc('boom'), 5_000))).toBe('unavailable');
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => client.request('de-bka', enc(String(i)), 5_000)));
    expect(many.map(dec)).toEqual(Array.from({ length: 40 }, (_, i) => `echo:${i}`));
    await served.stop();
  });

  it('throws LOOKUP_UNREACHABLE when nobody serves the responder, and refuses a subject-breaking id', async () => {
    const client = new LookupChannel(asker);
    await expect(client.request('us-hsi', enc('x'), 1_000)).rejects.toMatchObject({ code: 'LOOKUP_UNREACHABLE' });
    await expect(client.request('us-hsi.>', enc('x'), 1_000)).rejects.toMatchObject({ code: 'INVALID_NODE_ID' });
  });
});
