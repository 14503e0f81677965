import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedbackConsumerName, feedbackStreamName, feedbackSubject, provisionStreams } from '@palermo/federation';
import { connectNatsUser, tempDir } from '@palermo/testing';
import { startLeafTopology, type LeafTopology } from '../integration/fixtures/nats-leaf-topology';
import { DE_BKA, NL_POLICE, OPERATOR, US_HSI, type TestNkey } from '../integration/fixtures/nats-nkeys';
import { holds, publish } from './support/agreements.probes';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';

// The nodes themselves in the leafnode topology of deploy/nats as shipped: each node connects with its nkey to its
// own agency's leaf server (leaf-<node id>.conf), which holds it to its permission block; streams and durables live
// on the hub (leaf-hub.conf). Bundles and receipts cross two leaf connections each way.

let topology: LeafTopology;
let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;

function seedFile(dir: string, key: TestNkey): string {
  const path = join(dir, `${key.nodeId}.nk`);
  writeFileSync(path, `${key.seed}\n`, { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  topology = await startLeafTopology(['nl-police', 'de-bka', 'us-hsi']);
  // Nodes may not create streams: the operator provisions them on the hub, as `palermo nats provision` does.
  await provisionStreams({ servers: topology.hub.url, seed: OPERATOR.seed, nodes: ['nl-police', 'de-bka', 'us-hsi'] });
  const seeds = tempDir('palermo-nkeys-');
  fed = await bootFederation(
    [NL_POLICE, DE_BKA, US_HSI].map((key, i) => ({
      nodeId: key.nodeId,
      jurisdiction: ['NL', 'DE', 'US'][i]!,
      env: { NATS_URL: topology.urlFor(key.nodeId), NATS_NKEY_SEED_FILE: seedFile(seeds, key) },
      agreements: key === US_HSI ? ('none' as const) : ('all' as const),
    })),
    'postgres',
    topology.hub,
  );
  [nl, de, us] = [fed.node('nl-police'), fed.node('de-bka'), fed.node('us-hsi')];
}, 180_000);

afterAll(async () => {
  await fed?.stop();
  await topology?.stop();
});

describe('nodes behind their own agencies’ leaf servers, JetStream on the hub', () => {
  it('each node is connected to its own leaf server, not to the hub', async () => {
    for (const node of [nl, de, us]) {
      const health = await eventually(`${node.nodeId} connected`, async () => {
        const body = (await node.api('GET', '/health', { role: 'auditor' })).body;
        return body?.nats?.connected === true ? body.nats : undefined;
      });
      expect(health.server).toContain(String(topology.leaves.get(node.nodeId)!.port));
    }
  });

  it('a partner chain and the community chain flow end to end across the leaves', async () => {
    const [amber, clear] = await publish(nl, [
      { type: 'email', value: 'leaf-amber@example.org', tlp: 'amber', confidence: 80, tags: [] },
      { type: 'url', value: 'https://leaf-clear.example.org/ad', tlp: 'clear', confidence: 80, tags: [] },
    ]);
    await eventually('de-bka to import both', async () => (await holds(de, amber!)) && (await holds(de, clear!)));
    await eventually('us-hsi to receive the community bundle', async () => {
      const res = await us.api('GET', '/bundles?direction=in&partner=nl-police', { role: 'auditor' });
      return res.status === 200 && res.body.items.some((b: { audience: string }) => b.audience === 'all');
    });
    expect(await holds(us, amber!)).toBe(false);
  });

  it('signed receipts come back to nl-police across the leaves', async () => {
    const status = await eventually('receipts from de-bka on both chains', async () => {
      const res = await nl.api('GET', '/partners/de-bka/status');
      const chains = res.body.chains.filter((c: { sent: number }) => c.sent > 0);
      return chains.length >= 2 && chains.every((c: { outstanding: number }) => c.outstanding === 0) ? res.body : undefined;
    });
    expect(status.chains.map((c: { audience: string; imported: number }) => [c.audience, c.imported])).toEqual([['de-bka', 1], ['all', 1]]);
    for (const node of [nl, de, us]) expect((await node.api('GET', '/quarantine', { role: 'auditor' })).body.items).toEqual([]);
  });

  it('feedback crosses the leaves: de-bka’s message reaches nl-police’s stream on the hub, nl-police reads it through its durable', async () => {
    // Probes with the nodes' own nkeys, each at its own agency's leaf server (held to the same blocks as the nodes).
    const asNl = await connectNatsUser({ servers: topology.urlFor('nl-police'), seed: NL_POLICE.seed, inboxPrefix: '_INBOX.nl-police', name: 'nl-police-probe' });
    const asDe = await connectNatsUser({ servers: topology.urlFor('de-bka'), seed: DE_BKA.seed, inboxPrefix: '_INBOX.de-bka', name: 'de-bka-probe' });
    try {
      const stream = feedbackStreamName('nl-police');
      await eventually('nl-police’s feedback durable on the hub', async () => (await asNl.jsm.consumers.info(stream, feedbackConsumerName('nl-police')).catch(() => undefined)) ?? undefined);
      const ack = await eventually('feedback stored on the hub', () => asDe.js.publish(feedbackSubject('nl-police', 'de-bka'), '{"spec":"palermo/sighting@1"}', { msgID: 'leaf-unsigned' }).catch(() => undefined));
      expect(ack).toMatchObject({ stream, duplicate: false });
      const item = await eventually('nl-police to quarantine the unsigned feedback', async () => {
        const res = await nl.api('GET', '/quarantine', { role: 'auditor' });
        return res.body.items.find((q: { subject: string }) => q.subject === feedbackSubject('nl-police', 'de-bka'));
      });
      expect(item).toMatchObject({ code: 'FEEDBACK_SIGNATURE_INVALID', publisher: 'de-bka' });
    } finally {
      await Promise.all([asNl.close(), asDe.close()]);
    }
  });
});
