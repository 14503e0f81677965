import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audiencesFor,
  feedConsumerName,
  feedStreamName,
  feedStreamSubject,
  feedSubject,
  feedbackConsumerName,
  feedbackStreamName,
  feedbackStreamSubject,
  feedbackSubject,
  lookupSubject,
  provisionStreams,
  receiptStreamName,
} from '@palermo/federation';
import { connectNatsUser, tempDir, type NatsServerHandle, type NatsUser } from '@palermo/testing';
import { LEAF_PASSWORDS } from './fixtures/nats-leaf-passwords';
import { NATS_DEPLOY_DIR, hubLeafCount, startLeaf, startLeafTopology, waitForLeafs, type LeafTopology } from './fixtures/nats-leaf-topology';
import { DE_BKA, INTRUDER, NL_POLICE, OPERATOR, US_HSI, type TestNkey } from './fixtures/nats-nkeys';

// The leafnode topology of deploy/nats on the real nats-server 2.9.10: a JetStream hub (leaf-hub.conf) and one
// server per agency (leaf-<node id>.conf), started as shipped. Who refuses what:
//   - a node is held to its block by its own agency's leaf server (deploy-nats.spec.ts runs the whole identity
//     contract on this topology too; the cases below are the ones the issue names, plus what is leaf-specific);
//   - the hub holds each agency's leaf connection to its leaf user (leafs/<id>.conf) — tested here against us-hsi's
//     leaf server edited by its agency to let its node do anything, and against a leaf that ignores the hub's
//     permissions altogether — including what the hub can NOT refuse on 2.9.10 (the README's "Limits").

const NL_STREAM = feedStreamName('nl-police');
const NL_FEEDBACK = feedbackStreamName('nl-police');

/** us-hsi's agency edits its own leaf server: its node (same nkey) may do anything there. Not a shipped file. */
function editedLeafConfig(): string {
  const path = join(tempDir('palermo-edited-leaf-'), 'leaf-us-hsi-edited.conf');
  writeFileSync(
    path,
    [
      'server_name: palermo-leaf-us-hsi',
      'host: 127.0.0.1',
      'port: 4222',
      `accounts { PALERMO: { users: [ { nkey: "${US_HSI.publicKey}" } ] } }`,
      'default_js_domain: { PALERMO: "" }',
      'leafnodes { remotes: [ { url: $PALERMO_NATS_HUB_URL, account: PALERMO } ] }',
      '',
    ].join('\n'),
  );
  return path;
}

/** Expect no answer at all within `ms` (the request is dropped before JetStream sees it; the checks after each batch
 * — stream, durable — catch a late answer that did change something). */
async function unanswered(user: NatsUser, subject: string, body = '', ms = 2_000): Promise<void> {
  await expect(user.nc.request(subject, body, { timeout: ms })).rejects.toThrow(/timeout|no responders/i);
}

/** Collect what arrives on `subjects` while `during` runs (plus a short settle). */
async function overheard(user: NatsUser, subjects: string[], during: () => Promise<void>): Promise<string[]> {
  const got: string[] = [];
  const subs = subjects.map((subject) => user.nc.subscribe(subject, { callback: (_err, msg) => void got.push(`${subject} <- ${msg.subject}`) }));
  await user.nc.flush();
  await new Promise((resolve) => setTimeout(resolve, 300)); // the subscriptions reach the hub
  await during();
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const sub of subs) sub.unsubscribe();
  return got;
}

async function pullAll(user: NatsUser, durable: string, stream = NL_STREAM): Promise<string[]> {
  const consumer = await user.js.consumers.get(stream, durable);
  const seen: string[] = [];
  for await (const msg of await consumer.fetch({ max_messages: 10, expires: 1_000 })) {
    seen.push(msg.string());
    expect(await msg.ackAck()).toBe(true);
  }
  return seen;
}

/** Retry until `fn` resolves (interest crosses the leaf connections asynchronously). */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The quoted subjects of `publish.allow` / `subscribe.allow` in a permission block. */
function allowList(text: string, section: 'publish' | 'subscribe'): string[] {
  const match = new RegExp(`${section}:\\s*\\{\\s*allow:\\s*\\[([^\\]]*)\\]`).exec(text);
  if (!match) throw new Error(`no ${section}.allow`);
  return [...match[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

/** True when NATS subject pattern `wide` matches every subject `narrow` matches. */
function covers(wide: string, narrow: string): boolean {
  const w = wide.split('.');
  const n = narrow.split('.');
  for (let i = 0; i < w.length; i += 1) {
    if (w[i] === '>') return n.length > i;
    if (i >= n.length || n[i] === '>') return false;
    if (w[i] !== '*' && w[i] !== n[i]) return false;
  }
  return w.length === n.length;
}

describe('deploy/nats leafnode topology: each agency its own server, JetStream on the hub', () => {
  it('the hub keeps only bcrypt hashes of the leaf passwords, and each leaf user carries its node’s core subjects', () => {
    const files = readdirSync(NATS_DEPLOY_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.conf'));
    const everything = files.map((f) => readFileSync(join(NATS_DEPLOY_DIR, f), 'utf8')).join('\n');
    for (const node of [NL_POLICE, DE_BKA, US_HSI]) {
      expect(everything).not.toContain(LEAF_PASSWORDS[node.nodeId]);
      const leaf = readFileSync(join(NATS_DEPLOY_DIR, 'leafs', `${node.nodeId}.conf`), 'utf8');
      const block = readFileSync(join(NATS_DEPLOY_DIR, 'nodes', `${node.nodeId}.conf`), 'utf8');
      expect(leaf).toMatch(new RegExp(`user: "leaf-${node.nodeId}"\\s+password: "\\$2a\\$11\\$`));
      // Every core subject the node may publish must cross its leaf connection (JetStream API lines: `$JS.API.>`).
      const leafPub = allowList(leaf, 'publish');
      const missing = allowList(block, 'publish').filter((s) => !s.startsWith('$JS.') && !leafPub.some((w) => covers(w, s)));
      expect(missing, `leafs/${node.nodeId}.conf lacks subjects of nodes/${node.nodeId}.conf`).toEqual([]);
      // The hub delivers to the leaf exactly what the node may subscribe to.
      expect(allowList(leaf, 'subscribe')).toEqual(allowList(block, 'subscribe'));
    }
  });

  describe('hub + nl-police’s and de-bka’s leaf servers as shipped, us-hsi’s leaf server edited by its agency', () => {
    let topology: LeafTopology;
    let edited: NatsServerHandle;
    const users = new Map<string, NatsUser>();
    const as = (node: TestNkey): NatsUser => users.get(node.nodeId) as NatsUser;

    beforeAll(async () => {
      topology = await startLeafTopology(['nl-police', 'de-bka']);
      edited = await startLeaf(topology.leafPort, 'us-hsi', { configFile: editedLeafConfig() });
      await waitForLeafs(topology.hub, 3);
      // Nodes may not create streams: the operator provisions them on the hub first, as `palermo nats provision` does.
      await provisionStreams({ servers: topology.hub.url, seed: OPERATOR.seed, nodes: ['nl-police', 'de-bka', 'us-hsi'] });
      users.set('nl-police', await connectNatsUser({ servers: topology.urlFor('nl-police'), seed: NL_POLICE.seed, inboxPrefix: '_INBOX.nl-police', name: 'nl-police' }));
      users.set('de-bka', await connectNatsUser({ servers: topology.urlFor('de-bka'), seed: DE_BKA.seed, inboxPrefix: '_INBOX.de-bka', name: 'de-bka' }));
      users.set('us-hsi', await connectNatsUser({ servers: edited.url, seed: US_HSI.seed, inboxPrefix: '_INBOX.us-hsi', name: 'us-hsi', timeoutMs: 1_500 }));
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...users.values()].map((user) => user.close()));
      await edited?.stop();
      await topology?.stop();
    });

    it('JetStream lives on the hub only: the leaf servers run none', async () => {
      for (const server of [...topology.leaves.values(), edited]) {
        expect(await (await fetch(`${server.monitorUrl}/jsz`)).json()).toMatchObject({ disabled: true });
      }
      expect(await (await fetch(`${topology.hub.monitorUrl}/jsz`)).json()).not.toHaveProperty('disabled', true);
    });

    it('a leaf server refuses strangers, wrong seeds and other agencies’ nodes; the hub refuses a wrong leaf password', async () => {
      const deLeaf = topology.urlFor('de-bka');
      await expect(connectNatsUser({ servers: deLeaf })).rejects.toThrow(/authorization violation/i);
      await expect(connectNatsUser({ servers: deLeaf, seed: INTRUDER.seed })).rejects.toThrow(/authorization violation/i);
      await expect(connectNatsUser({ servers: deLeaf, seed: NL_POLICE.seed })).rejects.toThrow(/authorization violation/i);
      // A leaf user is for leaf connections only: it cannot log in to the hub as a client.
      await expect(connectNatsUser({ servers: topology.hub.url, user: 'leaf-de-bka', pass: LEAF_PASSWORDS['de-bka'] })).rejects.toThrow(/authorization violation/i);
      // A leaf server with the wrong password is turned away by the hub (and keeps retrying, in vain).
      const impostor = await startLeaf(topology.leafPort, 'de-bka', { password: 'not-the-password' });
      try {
        await eventually(async () => expect(impostor.logs()).toMatch(/authorization violation/i));
        expect(await hubLeafCount(topology.hub)).toBe(3);
      } finally {
        await impostor.stop();
      }
    });

    it('nl-police, behind its own leaf server, looks up its provisioned stream on the hub and publishes on its feed', async () => {
      const nl = as(NL_POLICE);
      const info = await eventually(() => nl.jsm.streams.info(NL_STREAM));
      expect(info.config.subjects).toEqual([feedStreamSubject('nl-police')]);
      await expect(nl.jsm.streams.add({ name: 'NL_CAPTURE', subjects: ['_INBOX.de-bka.>'] })).rejects.toThrow(/permissions violation/i);
      for (const audience of ['de-bka', 'us-hsi', 'all']) {
        expect(await nl.js.publish(feedSubject('nl-police', audience), `for ${audience}`, { msgID: audience })).toMatchObject({ stream: NL_STREAM, duplicate: false });
      }
    });

    it('de-bka, behind its own leaf server, reads exactly its audience and `all` through its durables', async () => {
      const de = as(DE_BKA);
      const read: Record<string, string[]> = {};
      for (const audience of audiencesFor('de-bka')) {
        const name = feedConsumerName('de-bka', audience);
        await eventually(() => de.jsm.consumers.add(NL_STREAM, { durable_name: name, filter_subject: feedSubject('nl-police', audience), ack_policy: 'explicit', deliver_policy: 'all' }));
        read[audience] = await pullAll(de, name);
      }
      expect(read).toEqual({ 'de-bka': ['for de-bka'], all: ['for all'] });
    });

    it('de-bka’s leaf server refuses it publishing on nl-police’s feed and a consumer for an audience not addressed to it', async () => {
      const de = as(DE_BKA);
      const forged = feedSubject('nl-police', 'de-bka');
      await expect(de.js.publish(forged, 'forged')).rejects.toThrow(/permissions violation/i);
      await expect(de.violation(forged, 'publish')).resolves.toMatchObject({ subject: forged });
      const other = feedSubject('nl-police', 'us-hsi');
      const create = `$JS.API.CONSUMER.CREATE.${NL_STREAM}.de-bka_de-bka.${other}`;
      await expect(de.jsm.consumers.add(NL_STREAM, { durable_name: 'de-bka_de-bka', filter_subject: other, ack_policy: 'explicit' })).rejects.toThrow(/permissions violation/i);
      await expect(de.violation(create, 'publish')).resolves.toMatchObject({ subject: create });
      expect((await as(NL_POLICE).jsm.streams.info(NL_STREAM)).state.messages).toBe(3);
    });

    it('request-reply crosses the leaves: nl-police answers a lookup from de-bka (the answer goes to de-bka’s inbox)', async () => {
      const nl = as(NL_POLICE);
      const sub = nl.nc.subscribe(lookupSubject('nl-police'), { callback: (_err, msg) => void msg.respond(`known: ${msg.string()}`) });
      await nl.nc.flush();
      const answer = await eventually(() => as(DE_BKA).nc.request(lookupSubject('nl-police'), 'x', { timeout: 1_000 }));
      expect(answer.string()).toBe('known: x');
      sub.unsubscribe();
    });

    it('feedback crosses the leaves: de-bka sends it to nl-police’s stream on the hub, nl-police reads it through its durable', async () => {
      const nl = as(NL_POLICE);
      const de = as(DE_BKA);
      await eventually(() => nl.jsm.streams.info(NL_FEEDBACK));
      // The stream's interest reaches de-bka's leaf only because leaf-de-bka may publish all of palermo.v1.feedback.> (leafs.conf).
      expect(await eventually(() => de.js.publish(feedbackSubject('nl-police', 'de-bka'), 'sighting by de-bka', { msgID: 'f1' }))).toMatchObject({ stream: NL_FEEDBACK, duplicate: false });
      // de-bka's own leaf server holds it to its own name.
      const posing = feedbackSubject('nl-police', 'us-hsi');
      await expect(de.js.publish(posing, 'forged')).rejects.toThrow(/permissions violation/i);
      await expect(de.violation(posing, 'publish')).resolves.toMatchObject({ subject: posing });
      await nl.jsm.consumers.add(NL_FEEDBACK, { durable_name: feedbackConsumerName('nl-police'), filter_subject: feedbackStreamSubject('nl-police'), ack_policy: 'explicit', deliver_policy: 'all' });
      expect(await pullAll(nl, feedbackConsumerName('nl-police'), NL_FEEDBACK)).toEqual(['sighting by de-bka']);
    });

    it('against us-hsi’s edited leaf, the hub still refuses its node other feeds, deletes, single-message reads, unfiltered consumers and other nodes’ traffic', async () => {
      const us = as(US_HSI);
      const nl = as(NL_POLICE);
      // us-hsi's own server lets it publish anything, but the hub never told that server it listens on nl-police's feed.
      await expect(us.js.publish(feedSubject('nl-police', 'us-hsi'), 'forged by us-hsi')).rejects.toThrow();
      // JetStream API calls on the hub's deny list (leafs/js-deny.conf) go unanswered.
      await unanswered(us, `$JS.API.STREAM.DELETE.${NL_STREAM}`);
      await unanswered(us, `$JS.API.STREAM.PURGE.${NL_STREAM}`);
      await unanswered(us, `$JS.API.STREAM.UPDATE.${NL_STREAM}`, JSON.stringify({ name: NL_STREAM, subjects: ['palermo.v1.feed.nl-police.*'], max_msgs: 1 }));
      await unanswered(us, `$JS.API.STREAM.MSG.GET.${NL_STREAM}`, JSON.stringify({ seq: 1 }));
      await unanswered(us, `$JS.API.DIRECT.GET.${NL_STREAM}`, JSON.stringify({ seq: 1 }));
      await unanswered(us, `$JS.API.CONSUMER.DELETE.${NL_STREAM}.de-bka_de-bka`);
      await unanswered(us, `$JS.API.CONSUMER.CREATE.${NL_STREAM}.us-hsi_x`, JSON.stringify({ stream_name: NL_STREAM, config: { durable_name: 'us-hsi_x', filter_subject: feedSubject('nl-police', 'de-bka') } }));
      await unanswered(us, `$JS.API.CONSUMER.DURABLE.CREATE.${NL_STREAM}.us-hsi_x`, JSON.stringify({ stream_name: NL_STREAM, config: { durable_name: 'us-hsi_x' } }));
      await unanswered(us, '$JS.API.STREAM.NAMES');
      // Nor may it create a stream (leafs/js-deny.conf): one on another node's inbox would record its replies.
      await unanswered(us, '$JS.API.STREAM.CREATE.US_HSI_EDITED_CAPTURE', JSON.stringify({ name: 'US_HSI_EDITED_CAPTURE', subjects: ['_INBOX.de-bka.>'] }));
      expect((await nl.jsm.streams.info(NL_STREAM)).state.messages).toBe(3);
      expect((await as(DE_BKA).jsm.consumers.info(NL_STREAM, 'de-bka_de-bka')).config.filter_subject).toBe(feedSubject('nl-police', 'de-bka'));
      // The hub delivers to us-hsi's leaf only us-hsi's inbox, receipts and lookups: nothing of nl-police's feed, of
      // de-bka's inbox (its pulls) or of a lookup addressed to nl-police.
      const heard = await overheard(us, ['palermo.v1.feed.>', '_INBOX.de-bka.>', '_INBOX.nl-police.>', 'palermo.v1.lookup.>', 'palermo.v1.receipt.>', 'palermo.v1.feedback.>'], async () => {
        nl.nc.publish(feedSubject('nl-police', 'de-bka'), 'core, not for us-hsi');
        // Feedback to nl-police (stored on the hub, acked into de-bka's inbox) and nl-police pulling it: none of it for us-hsi.
        await as(DE_BKA).js.publish(feedbackSubject('nl-police', 'de-bka'), 'dispute by de-bka', { msgID: 'f2' });
        expect(await pullAll(nl, feedbackConsumerName('nl-police'), NL_FEEDBACK)).toEqual(['dispute by de-bka']);
        await nl.jsm.streams.info(NL_STREAM);
        await pullAll(as(DE_BKA), feedConsumerName('de-bka', 'all'));
        await as(DE_BKA).nc.request(lookupSubject('nl-police'), 'y', { timeout: 500 }).catch(() => undefined);
      });
      expect(heard).toEqual([]);
    });

    it('limits (README): the hub cannot pin consumer filters of an agency that edits its leaf', async () => {
      const us = as(US_HSI);
      // 2.9.10 announces the hub's JetStream API only to a leaf that may publish on all of `$JS.API.>`, so a consumer
      // with a filter in the subject — any filter — passes the hub: us-hsi reads the bundles addressed to de-bka
      // (which is why restricted bundles travel encrypted to their recipient, issue 4 item 3).
      const stolen = feedSubject('nl-police', 'de-bka');
      await us.jsm.consumers.add(NL_STREAM, { durable_name: 'us-hsi_x', filter_subject: stolen, ack_policy: 'explicit' });
      expect(await pullAll(us, 'us-hsi_x')).toContain('for de-bka');
      // Worse than reading (review7 M4): it pulls from de-bka's own durable and acks, so de-bka never gets the
      // bundle (the loss shows at the publisher as a bundle without receipt, and heals by resync: README).
      await as(NL_POLICE).js.publish(feedSubject('nl-police', 'de-bka'), 'for de-bka, taken', { msgID: 'taken' });
      expect(await pullAll(us, feedConsumerName('de-bka', 'de-bka'))).toContain('for de-bka, taken');
      expect(await pullAll(as(DE_BKA), feedConsumerName('de-bka', 'de-bka'))).toEqual([]);
    });

    it('limits (README): an edited leaf reads, takes and forges the feedback addressed to another node', async () => {
      const us = as(US_HSI);
      const nl = as(NL_POLICE);
      const de = as(DE_BKA);
      // Reads: a consumer with a filter in the subject passes the hub, on the feedback stream as on a feed.
      await us.jsm.consumers.add(NL_FEEDBACK, { durable_name: 'us-hsi_fb', filter_subject: feedbackStreamSubject('nl-police'), ack_policy: 'explicit', deliver_policy: 'all' });
      expect(await pullAll(us, 'us-hsi_fb', NL_FEEDBACK)).toEqual(['sighting by de-bka', 'dispute by de-bka']);
      // Takes: it pulls from nl-police's own durable and acks, so nl-police never sees the message.
      await de.js.publish(feedbackSubject('nl-police', 'de-bka'), 'disclosure request by de-bka', { msgID: 'f3' });
      expect(await pullAll(us, feedbackConsumerName('nl-police'), NL_FEEDBACK)).toEqual(['disclosure request by de-bka']);
      expect(await pullAll(nl, feedbackConsumerName('nl-police'), NL_FEEDBACK)).toEqual([]);
      // Forges: leaf-us-hsi may publish all of palermo.v1.feedback.> (leafs.conf), so the hub stores feedback in
      // de-bka's name; only nl-police's signature check against de-bka's pinned key refuses it.
      expect(await us.js.publish(feedbackSubject('nl-police', 'de-bka'), 'forged by us-hsi', { msgID: 'f4' })).toMatchObject({ stream: NL_FEEDBACK });
      expect(await pullAll(nl, feedbackConsumerName('nl-police'), NL_FEEDBACK)).toEqual(['forged by us-hsi']);
    });

    it('limits (README): the deny list holds because the agency’s leaf is a stock nats-server; a leaf that ignores it is not stopped by the hub', async () => {
      const nl = as(NL_POLICE);
      const canary = receiptStreamName('nl-police');
      await eventually(() => nl.jsm.streams.info(canary));
      // A leaf connection that speaks the protocol itself, as us-hsi, and ignores the permissions the hub sends it.
      const raw = await RawLeaf.connect(topology.leafPort, 'leaf-us-hsi', LEAF_PASSWORDS['us-hsi']!);
      try {
        expect(raw.received()).toContain('"deny":["$JS.API.INFO"'); // the hub sent its permissions for local enforcement
        // What the hub delivers is still filtered by the hub: a subscription to every feed gets nothing.
        raw.send('LS+ palermo.v1.feed.>');
        raw.send('LS+ palermo.v1.feedback.>');
        await raw.ping();
        nl.nc.publish(feedSubject('nl-police', 'de-bka'), 'core again');
        await nl.nc.flush();
        as(DE_BKA).nc.publish(feedbackSubject('nl-police', 'de-bka'), 'feedback, core');
        await as(DE_BKA).nc.flush();
        await raw.ping();
        expect(raw.received()).not.toContain('LMSG palermo.v1.feed.');
        expect(raw.received()).not.toContain('LMSG palermo.v1.feedback.');
        // What it publishes is not checked by the hub on 2.9.10: a denied API call goes through.
        raw.send('LS+ _INBOX.us-hsi.>');
        raw.send(`LMSG $JS.API.STREAM.DELETE.${canary} _INBOX.us-hsi.raw 0`);
        raw.send('');
        await eventually(async () => expect(raw.received()).toContain('"success":true'), 5_000);
        await expect(nl.jsm.streams.info(canary)).rejects.toThrow(/stream not found/i);
      } finally {
        raw.close();
      }
    });
  });
});

/** A minimal leafnode-protocol client (CONNECT, LS+, LMSG, PING) that enforces nothing. */
class RawLeaf {
  private buffer = '';
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.buffer += chunk.toString('utf8')));
  }

  static async connect(port: number, user: string, pass: string): Promise<RawLeaf> {
    const socket = tcpConnect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
    const leaf = new RawLeaf(socket);
    await eventually(async () => expect(leaf.buffer).toContain('INFO '), 5_000);
    leaf.send(`CONNECT ${JSON.stringify({ user, pass, name: 'raw-leaf', headers: false })}`);
    await leaf.ping();
    return leaf;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Round trip: everything the hub sent before the PONG is in received(). */
  async ping(): Promise<void> {
    const pongs = this.buffer.split('PONG').length;
    this.send('PING');
    await eventually(async () => expect(this.buffer.split('PONG').length).toBeGreaterThan(pongs), 5_000);
  }

  received(): string {
    return this.buffer;
  }

  close(): void {
    this.socket.destroy();
  }
}
