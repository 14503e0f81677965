import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedStreamName, feedSubject } from '@palermo/federation';
import { command, currentAgreement, draft, holds, keptFrom, outbound, publish } from './support/agreements.probes';
import { StoredRows } from './support/faults.stored-rows';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { RawNatsClient } from './support/hostile.nats-wire';
import { listAll } from './support/hostile.node-io';

// What an officer's suspend or terminate does to bundles that are already stored, one of them on
// the wire, when the broker does not answer: nats-server is frozen (SIGSTOP) for a few seconds, so
// that the moment is not left to chance. nl-police cuts small bundles (64 KiB), so one export pass
// of a few hundred indicators makes several bundles on us-hsi's chain.

const A = 'nl-police';
const C = 'us-hsi';

let fed: Federation;
let nl: TestNode;
let us: TestNode;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL', agreements: 'none', env: { PALERMO_BUNDLE_MAX_BYTES: '65536' } },
    { nodeId: C, jurisdiction: 'US' },
  ]);
  [nl, us] = [fed.node(A), fed.node(C)];
});

afterAll(async () => {
  await fed?.nats.kill('SIGCONT').catch(() => undefined);
  await fed?.stop();
});

const green = (value: string) => ({ type: 'keyword', value, tlp: 'green', confidence: 80, tags: ['ht:recruitment'] });

describe('bundles already stored when the agreement stops', () => {
  /** Many keywords in one POST: with 64 KiB bundles (PALERMO_BUNDLE_MAX_BYTES) one export pass cuts several bundles per chain. */
  const many = (tag: string) => Array.from({ length: 600 }, (_, i) => ({ ...green(`${tag}-${i}`), description: `${tag} ${'x'.repeat(200)}` }));

  /** us-hsi's bundles that carry any of `ids` as JetStream holds them on its subject. */
  async function onUsSubject(ids: string[]): Promise<number[]> {
    const nats = await RawNatsClient.connect(fed.nats.url);
    try {
      const messages = (await nats.streamMessages(feedStreamName(A))).filter((m) => m.subject === feedSubject(A, C));
      return messages.filter((m) => ids.some((id) => m.data.includes(id))).map((m) => m.seq);
    } finally {
      await nats.close();
    }
  }

  /** Freezes NATS, publishes `items` on nl-police and waits until at least 3 bundles for us-hsi are stored, unpublished. */
  async function storeWhileFrozen(items: object[]): Promise<string[]> {
    // Nothing in progress for us-hsi: its backfill done, every stored bundle published.
    await eventually(`${A} to have published everything for ${C}`, async () => {
      const current = await currentAgreement(nl, C);
      const backfilled = (await nl.api('GET', `/agreements/${current.id}`, { role: 'auditor' })).body.backfilledAt;
      return backfilled && (await outbound(nl, C)).every((b) => b.publishedAt !== null);
    }, 60_000);
    await fed.nats.kill('SIGSTOP');
    const posted = publish(nl, items);
    // Read from nl-police's database every few ms: the first publish is waiting on the frozen broker
    // from the moment these are committed, and gives up after 5 s.
    const rows = await StoredRows.open(nl);
    try {
      const deadline = Date.now() + 15_000;
      while ((await rows.unpublishedOutbound(C)) < 3) {
        if (Date.now() > deadline) throw new Error(`${A} stored no bundles for ${C} within 15 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await rows.close();
    }
    return posted;
  }

  it('suspending while a page of bundles is being published stops the rest of the page (at most the one in flight goes out)', async () => {
    const open = await draft(nl, C, {}, 'policy-officer');
    expect(await command(nl, open.id, 'approve', 'policy-officer-2')).toMatchObject({ status: 200, body: { state: 'active' } });
    let ids: string[] = [];
    let returnedAt = 0;
    try {
      ids = await storeWhileFrozen(many('page'));
      expect(await command(nl, open.id, 'suspend', 'policy-officer', 'stop now')).toMatchObject({ status: 200, body: { state: 'suspended' } });
      returnedAt = Date.now();
    } finally {
      await fed.nats.kill('SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 4_000));
    const after = (await outbound(nl, C)).filter((b) => b.publishedAt !== null && Date.parse(b.publishedAt) > returnedAt);
    // Soft: the clean-up below must run either way, or the next test starts from a suspended agreement.
    expect.soft(after.length, `bundles for ${C} published after the suspension returned: ${after.map((b) => `#${b.seq} at ${b.publishedAt}`).join(', ')}`).toBeLessThanOrEqual(1);
    expect.soft((await onUsSubject(ids)).length, `bundles on ${C}'s subject carrying what was published while NATS was frozen`).toBeLessThanOrEqual(1);
    // Clean up for the next test: resumed by the other officer, everything goes out.
    expect(await command(nl, open.id, 'resume', 'policy-officer-2')).toMatchObject({ status: 200 });
    await eventually(`${C} to receive the rest after the resume`, async () => holds(us, ids.at(-1)!), 60_000);
  });

  it('bundles stored under a terminated agreement never leave under the next, narrower one (only the one already handed to NATS may), and the partner’s chain goes on', async () => {
    const open = await currentAgreement(nl, C);
    expect(open).toMatchObject({ state: 'active', maxTlp: 'amber' });
    let ids: string[] = [];
    let endedAt = 0;
    try {
      ids = await storeWhileFrozen(many('ended'));
      expect(await command(nl, open.id, 'terminate', 'policy-officer', 'terms renegotiated')).toMatchObject({ status: 200, body: { state: 'terminated' } });
      endedAt = Date.now();
      // Long enough for the publish in flight to time out (5 s + 1 s): the exporter gives up on this page.
      await new Promise((r) => setTimeout(r, 7_000));
    } finally {
      await fed.nats.kill('SIGCONT');
    }
    // The new agreement covers e-mail addresses only, up to GREEN: keywords are not in it.
    const narrow = await draft(nl, C, { types: ['email'], maxTlp: 'green' }, 'policy-officer-2');
    expect(await command(nl, narrow.id, 'approve', 'policy-officer')).toMatchObject({ status: 200, body: { state: 'active' } });
    const [marker] = await publish(nl, [{ type: 'email', value: 'after-the-new-terms@example.org', tlp: 'green', confidence: 80 }]);
    try {
      await eventually(`${C} to import the marker`, () => holds(us, marker!), 30_000);
    } catch (err) {
      // Say why: a chain that stopped on us-hsi is in its quarantine.
      const quarantined = (await listAll(us, '/quarantine', 'auditor')).filter((q) => q.publisher === A).map((q) => `${q.code}: ${q.message}`);
      throw new Error(`${(err as Error).message}; ${C} quarantined from ${A}: ${JSON.stringify(quarantined)}`);
    }

    const after = (await outbound(nl, C)).filter((b) => b.publishedAt !== null && Date.parse(b.publishedAt) > endedAt);
    const carrying = [];
    const withdrawn = new Set<string>();
    for (const b of after) {
      const items = (await nl.api('GET', `/bundles/${b.hash}/decisions`, { role: 'auditor' })).body.items as { originId: string; agreementId: string; action: string }[];
      // Withdrawals (revoke entries) of what went out under the old terms are the new terms at work, not a leak.
      for (const d of items) if (d.action === 'revoke' && ids.includes(d.originId)) withdrawn.add(d.originId);
      if (items.some((d) => d.action !== 'revoke' && ids.includes(d.originId))) carrying.push(`#${b.seq} (decided under ${items[0]!.agreementId}, published ${b.publishedAt})`);
    }
    // Only the bundle already handed to NATS when the officer acted may still go out (it may have
    // arrived without an ack, so it keeps its chain position); nothing else decided under the ended terms.
    expect.soft(carrying.length, `bundles decided under the terminated agreement and published after it ended: ${carrying.join(', ')}`).toBeLessThanOrEqual(1);
    // What went out under the old terms is withdrawn under the narrower ones (keywords are not in them): the new
    // agreement's backfill sends the revocations, after the marker or before it.
    if (carrying.length > 0) {
      await eventually('the keywords that went out under the old terms to be withdrawn from us-hsi', async () => {
        for (const b of (await outbound(nl, C)).filter((x) => x.publishedAt !== null && Date.parse(x.publishedAt) > endedAt)) {
          const items = (await nl.api('GET', `/bundles/${b.hash}/decisions`, { role: 'auditor' })).body.items as { originId: string; action: string }[];
          for (const d of items) if (d.action === 'revoke' && ids.includes(d.originId)) withdrawn.add(d.originId);
        }
        return withdrawn.size > 0;
      }, 30_000);
    }
    const keptKeywords = (await keptFrom(us, A)).filter((id) => ids.includes(id));
    // At most the bundle whose publish was already on the wire when NATS froze may have arrived.
    expect(keptKeywords.length, `${C} keeps ${keptKeywords.length} keywords decided under the ended agreement`).toBeLessThanOrEqual(150);
  });
});
