import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { listAll } from './support/hostile.node-io';

// Issue 4 item 4, "delivered", with real nodes: nl-police reads its partners' durable consumers on its
// own feed stream and shows per partner chain and per bundle what JetStream delivered to each partner's
// importer and what it acked — and says "unknown" (null, with the reason) when it cannot read them.
const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';

let fed: Federation;
let nl: TestNode;
let de: TestNode;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE' },
    { nodeId: C, jurisdiction: 'US' },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
  // The partners' durables exist once they follow nl-police (before that, delivery is unknown, not false).
  for (const partner of [B, C]) {
    await eventually(`${partner}'s durables on nl-police's stream`, async () => ((await chains(partner)).every((c) => c.delivery.state === 'read') ? true : undefined));
  }
});

afterAll(async () => {
  await fed?.stop();
});

let counter = 0;
/** Publishes one indicator on nl-police and returns the bundle that carried it to `audience`. */
async function publishOne(tlp: 'clear' | 'green', audience: string): Promise<{ hash: string; seq: number }> {
  const before = new Set((await listAll(nl, `/bundles?direction=out`)).map((b) => b.hash));
  const value = `delivery-e2e-${++counter}-${Date.now()}`;
  const res = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'keyword', value, tlp, confidence: 95, tags: ['ht:recruitment'] }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return eventually(`a published ${audience} bundle carrying ${value}`, async () => {
    const fresh = (await listAll(nl, `/bundles?direction=out`)).filter((b) => !before.has(b.hash) && b.audience === audience && b.publishedAt);
    return fresh[0] ? { hash: fresh[0].hash, seq: fresh[0].seq } : undefined;
  });
}

async function chains(partner: string): Promise<any[]> {
  const res = await nl.api('GET', `/partners/${partner}/status`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.chains;
}
const chain = async (partner: string, audience: string) => (await chains(partner)).find((c) => c.audience === audience);

async function bundle(hash: string): Promise<{ delivery: any[]; receipts: any[] }> {
  const res = await nl.api('GET', `/bundles/${hash}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
const deliveryTo = async (hash: string, recipient: string) => (await bundle(hash)).delivery.find((d) => d.recipient === recipient);

describe('delivered', () => {
  it('a bundle to a partner whose node is stopped is sent, not delivered; once it runs, delivered, acked and imported', async () => {
    await de.process.stop();
    const sent = await publishOne('green', B);
    // The consumer state is cached a few seconds: wait until it shows this bundle on the stream.
    const waiting = await eventually('de-bka’s chain showing the bundle pending', async () => {
      const c = await chain(B, B);
      return c.lastSeqSent === sent.seq && c.delivery.pending >= 1 ? c : undefined;
    });
    expect(waiting).toMatchObject({ sent: expect.any(Number), delivery: { state: 'read', durable: `${B}_${B}`, reason: null } });
    expect(waiting.delivered).toBe(waiting.sent - 1);
    expect(waiting.lastSeqDelivered).toBe(sent.seq - 1 || null);
    expect(waiting.acked).toBe(waiting.sent - 1);
    expect(await deliveryTo(sent.hash, B)).toMatchObject({ recipient: B, delivered: false, acked: false, reason: null });
    expect((await bundle(sent.hash)).receipts).toEqual([]);

    await de.process.restart();
    const after = await eventually('delivered and acked to de-bka', async () => {
      const d = await deliveryTo(sent.hash, B);
      return d.acked === true ? d : undefined;
    });
    expect(after).toMatchObject({ delivered: true, acked: true, reason: null });
    const receipts = await eventually('de-bka’s receipt', async () => {
      const list = (await bundle(sent.hash)).receipts;
      return list.length > 0 ? list : undefined;
    });
    expect(receipts).toEqual([expect.objectContaining({ recipient: B, outcome: 'imported' })]);
    const status = await chain(B, B);
    expect(status).toMatchObject({ lastSeqSent: sent.seq, lastSeqDelivered: sent.seq, lastSeqAcked: sent.seq, imported: status.sent });
    expect(status.delivered).toBe(status.sent);
    expect(status.acked).toBe(status.sent);
  });

  it('the community chain shows delivered per partner', async () => {
    const sent = await publishOne('clear', 'all');
    const both = await eventually('delivered and acked to de-bka and us-hsi', async () => {
      const list = (await bundle(sent.hash)).delivery;
      return list.length === 2 && list.every((d) => d.acked === true) ? list : undefined;
    });
    expect(both.map((d) => `${d.recipient} ${d.delivered}`).sort()).toEqual([`${B} true`, `${C} true`]);
    for (const partner of [B, C]) {
      const community = await chain(partner, 'all');
      expect(community, partner).toMatchObject({ lastSeqSent: sent.seq, lastSeqDelivered: sent.seq, delivery: { durable: `${partner}_all`, state: 'read' } });
      expect(community.delivered).toBe(community.sent);
    }
    // A partner's own chain is read from its own durable: us-hsi's never counts bundles of de-bka's chain.
    const own = await chain(C, C);
    expect(own.delivery).toMatchObject({ durable: `${C}_${C}`, state: 'read' });
    expect(own.delivered).toBeLessThanOrEqual(own.sent);
  });

  it('with NATS down, delivered is null with the reason — never false — and comes back with NATS', async () => {
    const sent = await publishOne('green', B);
    await eventually('delivered to de-bka', async () => ((await deliveryTo(sent.hash, B)).acked === true ? true : undefined));
    await fed.nats.kill('SIGKILL');
    try {
      const unknown = await eventually('an unknown delivery state', async () => {
        const d = await deliveryTo(sent.hash, B);
        return d.delivered === null ? d : undefined;
      });
      expect(unknown).toMatchObject({ recipient: B, delivered: null, acked: null, reason: expect.stringMatching(/NATS unavailable/) });
      const status = await chain(B, B);
      expect(status).toMatchObject({ delivered: null, lastSeqDelivered: null, acked: null, delivery: { state: 'unavailable', reason: expect.stringMatching(/NATS unavailable/) } });
      // What the node knows without NATS still shows: sent and the receipts already received.
      expect(status.lastSeqSent).toBe(sent.seq);
    } finally {
      await fed.nats.restart();
    }
    await eventually('delivery known again', async () => ((await deliveryTo(sent.hash, B)).delivered === true ? true : undefined));
  });
});
