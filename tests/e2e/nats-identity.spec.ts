import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedbackConsumerName, feedbackStreamName, feedbackSubject } from '@palermo/federation';
import { connectNatsUser, repoRoot, startNatsServer, tempDir, type NatsServerHandle } from '@palermo/testing';
import { DE_BKA, NL_POLICE, OPERATOR, US_HSI, type TestNkey } from '../integration/fixtures/nats-nkeys';
import { holds, publish } from './support/agreements.probes';
import { run } from './support/hostile.node-io';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';

// The nodes themselves, not a hand-made client, on a nats-server that knows each node only by its
// nkey and holds it to its permission block (deploy/nats/single-nkeys.conf as shipped): the
// subjects, stream, durables and inbox libs/federation really uses must be exactly what the block
// allows, or nothing flows. Nodes may not create streams there: the operator provisions them first with the built
// `palermo nats provision` (deploy/nats/README.md, "Who creates the streams").

const CLI = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');

let nats: NatsServerHandle;
let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;
let provisioned: { status: number | null; stdout: string; stderr: string };

function seedFile(dir: string, key: TestNkey): string {
  const path = join(dir, `${key.nodeId}.nk`);
  writeFileSync(path, `${key.seed}\n`, { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  nats = await startNatsServer({ configFile: join(repoRoot(), 'deploy', 'nats', 'single-nkeys.conf') });
  const seeds = tempDir('palermo-nkeys-');
  const nodes = [NL_POLICE, DE_BKA, US_HSI].flatMap((key) => ['--node', key.nodeId]);
  const { PALERMO_NATS_OPERATOR_SEED: _seed, NATS_URL: _url, ...env } = process.env;
  provisioned = run(process.execPath, [CLI, 'nats', 'provision', ...nodes, '--url', nats.url, '--seed-file', seedFile(seeds, OPERATOR)], { env });
  expect(provisioned.status, provisioned.stderr).toBe(0);
  fed = await bootFederation(
    [NL_POLICE, DE_BKA, US_HSI].map((key, i) => ({
      nodeId: key.nodeId,
      jurisdiction: ['NL', 'DE', 'US'][i]!,
      env: { NATS_NKEY_SEED_FILE: seedFile(seeds, key) },
      // us-hsi has no agreement with anyone: it may read the community chain and nothing else.
      agreements: key === US_HSI ? ('none' as const) : ('all' as const),
    })),
    'postgres',
    nats,
  );
  [nl, de, us] = [fed.node('nl-police'), fed.node('de-bka'), fed.node('us-hsi')];
}, 180_000);

afterAll(async () => {
  await fed?.stop();
  await nats?.stop();
});

describe('nodes on a NATS server that authenticates them by nkey and enforces their subjects', () => {
  it('the operator provisioned every node’s five streams with the CLI; no node reports a missing stream', async () => {
    const lines = provisioned.stdout.trim().split('\n');
    expect(lines).toHaveLength(15);
    expect(lines).toContain('PALERMO_FEED_DE_BKA\tcreated');
    expect(lines).toContain('PALERMO_LOG_US_HSI\tcreated');
    expect(lines).toContain('PALERMO_FEEDBACK_NL_POLICE\tcreated');
    for (const node of [nl, de, us]) {
      const nats = await eventually(`${node.nodeId} connected`, async () => {
        const body = (await node.api('GET', '/health', { role: 'auditor' })).body;
        return body?.nats?.connected === true ? body.nats : undefined;
      });
      expect(nats.streams).toBeUndefined();
    }
  });

  it('connect with their own nkey and report the broker connected', async () => {
    for (const node of [nl, de, us]) {
      await eventually(`${node.nodeId} connected`, async () => (await node.api('GET', '/health', { role: 'auditor' })).body?.nats?.connected === true);
    }
  });

  it('a partner chain and the community chain flow end to end under the permissions', async () => {
    const [amber, clear] = await publish(nl, [
      { type: 'email', value: 'nkey-amber@example.org', tlp: 'amber', confidence: 80, tags: [] },
      { type: 'url', value: 'https://nkey-clear.example.org/ad', tlp: 'clear', confidence: 80, tags: [] },
    ]);
    await eventually('de-bka to import both', async () => (await holds(de, amber!)) && (await holds(de, clear!)));
    // us-hsi reads the community chain (its durable on `all` is allowed) but has no agreement: it keeps nothing,
    // and the bundle it received is recorded with the reason.
    await eventually('us-hsi to receive the community bundle', async () => {
      const res = await us.api('GET', '/bundles?direction=in&partner=nl-police', { role: 'auditor' });
      return res.status === 200 && res.body.items.some((b: { audience: string }) => b.audience === 'all');
    });
    expect(await holds(us, clear!)).toBe(false);
    expect(await holds(us, amber!)).toBe(false);
    const quarantined = await us.api('GET', '/quarantine', { role: 'auditor' });
    expect(quarantined.body.items).toEqual([]);
  });

  it('signed receipts come back to nl-police under the permissions (its receipts stream and its one durable)', async () => {
    const status = await eventually('receipts from de-bka on both chains and from us-hsi on `all`', async () => {
      const [toDe, toUs] = await Promise.all([nl.api('GET', '/partners/de-bka/status'), nl.api('GET', '/partners/us-hsi/status')]);
      const chains = [...toDe.body.chains, ...toUs.body.chains].filter((c: { sent: number }) => c.sent > 0);
      return chains.length >= 3 && chains.every((c: { outstanding: number }) => c.outstanding === 0) ? { toDe: toDe.body, toUs: toUs.body } : undefined;
    });
    expect(status.toDe.chains.map((c: { audience: string; imported: number }) => [c.audience, c.imported])).toEqual([['de-bka', 1], ['all', 1]]);
    // us-hsi has no agreement: it decided on the community bundle (rejected everything) and said so.
    expect(status.toUs.chains.find((c: { audience: string }) => c.audience === 'all')).toMatchObject({ imported: 1, counts: { accepted: 0, pseudonymized: 0, rejected: 1 } });
    for (const node of [nl, de, us]) expect((await node.api('GET', '/quarantine', { role: 'auditor' })).body.items).toEqual([]);
    // "Delivered": nl-police may read its partners' durables on its own stream ($JS.API.CONSUMER.INFO.PALERMO_FEED_NL_POLICE.*).
    const toDe = await eventually('de-bka’s chains delivered and acked', async () => {
      const chains = (await nl.api('GET', '/partners/de-bka/status')).body.chains as { sent: number; acked: number | null }[];
      return chains.every((c) => c.acked === c.sent) ? chains : undefined;
    });
    expect(toDe.map((c: any) => [c.audience, c.delivered, c.delivery.state])).toEqual([['de-bka', 1, 'read'], ['all', 1, 'read']]);
  });

  it('resync request-reply works under the permissions: de-bka asks on palermo.v1.resync.nl-police, the answer reaches its inbox', async () => {
    const res = await de.api('POST', '/partners/nl-police/resync', { role: 'policy-officer', body: { fromScratch: true } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const chain of res.body.chains) expect(chain).toMatchObject({ fromSeq: 1, imported: 0, quarantined: 0, alreadyHad: chain.fetched });
    expect(res.body.chains.reduce((n: number, c: { fetched: number }) => n + c.fetched, 0)).toBeGreaterThanOrEqual(2);
    const answered = await nl.api('GET', '/audit?action=resync.answered', { role: 'auditor' });
    expect(answered.body.items.filter((e: { details: { requester: string } }) => e.details.requester === 'de-bka').length).toBeGreaterThanOrEqual(2);
  });

  it('feedback flows under the permissions: de-bka publishes on palermo.v1.feedback.nl-police.de-bka, nl-police reads it through its one durable', async () => {
    // nl-police created its durable on its own feedback stream at start (its block allows that name and filter only).
    const asNl = await connectNatsUser({ servers: nats.url, seed: NL_POLICE.seed, inboxPrefix: '_INBOX.nl-police', name: 'nl-police-probe' });
    const asDe = await connectNatsUser({ servers: nats.url, seed: DE_BKA.seed, inboxPrefix: '_INBOX.de-bka', name: 'de-bka-probe' });
    try {
      const stream = feedbackStreamName('nl-police');
      await eventually('nl-police’s feedback durable', async () => (await asNl.jsm.consumers.info(stream, feedbackConsumerName('nl-police')).catch(() => undefined)) ?? undefined);
      // As de-bka, a message without a signature (the server lets de-bka publish there; the node checks the signature).
      const ack = await asDe.js.publish(feedbackSubject('nl-police', 'de-bka'), '{"spec":"palermo/sighting@1"}', { msgID: 'e2e-unsigned' });
      expect(ack).toMatchObject({ stream, duplicate: false });
      const item = await eventually('nl-police to quarantine the unsigned feedback', async () => {
        const res = await nl.api('GET', '/quarantine', { role: 'auditor' });
        return res.body.items.find((q: { subject: string }) => q.subject === feedbackSubject('nl-police', 'de-bka'));
      });
      expect(item).toMatchObject({ code: 'FEEDBACK_SIGNATURE_INVALID', publisher: 'de-bka' });
      // Read and acked through the durable.
      await eventually('acked', async () => ((await asNl.jsm.consumers.info(stream, feedbackConsumerName('nl-police'))).ack_floor.stream_seq === ack.seq ? true : undefined));
    } finally {
      await Promise.all([asNl.close(), asDe.close()]);
    }
  });
});
