import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audiencesFor,
  feedConsumerName,
  feedStreamName,
  feedbackConsumerName,
  feedbackStreamName,
  feedbackStreamSubject,
  feedbackSubject,
  feedStreamSubject,
  feedSubject,
  provisionStreams,
  keyConsumerName,
  keyStreamName,
  keySubject,
  logCheckpointConsumerName,
  logCheckpointSubject,
  logProofSubject,
  logStreamName,
  logWitnessConsumerName,
  logWitnessStreamSubject,
  logWitnessSubject,
  receiptConsumerName,
  receiptStreamName,
  receiptStreamSubject,
  receiptSubject,
  resyncSubject,
} from '@palermo/federation';
import { connectNatsUser, freePort, nkeyPublicKey, startNatsServer, type NatsServerHandle, type NatsUser } from '@palermo/testing';
import { DE_BKA, INTRUDER, NL_POLICE, OPERATOR, US_HSI, type TestNkey } from './fixtures/nats-nkeys';
import { startLeafTopology } from './fixtures/nats-leaf-topology';

// deploy/nats on the real nats-server: each node is its nkey, and the server — not the node's good manners —
// keeps it to its own feed and to the audiences addressed to it. The files are started as shipped; only
// addresses are overridden (flags, or the variables the files document).
const DIR = join(__dirname, '../../deploy/nats');
const conf = (file: string): string => join(DIR, file);
const NODES = [NL_POLICE, DE_BKA, US_HSI];
const NL_STREAM = feedStreamName('nl-police');

/** Where each node connects in one topology. */
type UrlFor = (node: TestNkey) => string;

const connectAs = (node: TestNkey, urlFor: UrlFor): Promise<NatsUser> =>
  connectNatsUser({ servers: urlFor(node), seed: node.seed, inboxPrefix: `_INBOX.${node.nodeId}`, name: node.nodeId });

/** Retry `fn` until it resolves (interest and leaders settle asynchronously), or fail with its last error. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function monitor<T>(server: NatsServerHandle, path: string): Promise<T> {
  const res = await fetch(`${server.monitorUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The subscriber's durable on nl-police's stream for one audience, created exactly as libs/federation does. */
const durable = (user: NatsUser, name: string, filter: string) =>
  user.jsm.consumers.add(NL_STREAM, { durable_name: name, filter_subject: filter, ack_policy: 'explicit', deliver_policy: 'all' });

async function readAll(user: NatsUser, name: string): Promise<string[]> {
  const consumer = await user.js.consumers.get(NL_STREAM, name);
  const messages = await consumer.fetch({ max_messages: 10, expires: 1_000 });
  const seen: string[] = [];
  for await (const msg of messages) {
    seen.push(msg.string());
    expect(await msg.ackAck()).toBe(true); // the server confirmed the ack
  }
  return seen;
}

/** Expect the server to refuse `op` with a permissions violation on `subject`. */
async function refused(user: NatsUser, subject: string, op: () => Promise<unknown>): Promise<void> {
  await expect(op()).rejects.toThrow(/permissions violation/i);
  await expect(user.violation(subject, 'publish')).resolves.toMatchObject({ subject });
}

/** The identity contract, the same on every topology. `its` run in order: the feed is set up by the first. */
function identityContract(topology: string, setup: () => Promise<{ urlFor: UrlFor; operatorUrl: string; stop: () => Promise<void> }>): void {
  describe(topology, () => {
    let urlFor: UrlFor;
    let stop: (() => Promise<void>) | undefined;
    const users = new Map<string, NatsUser>();
    const as = (node: TestNkey): NatsUser => users.get(node.nodeId) as NatsUser;

    beforeAll(async () => {
      let operatorUrl: string;
      ({ urlFor, operatorUrl, stop } = await setup());
      // Nodes may not create streams: the operator provisions all of them first, as `palermo nats provision` does.
      await provisionStreams({ servers: operatorUrl, seed: OPERATOR.seed, nodes: NODES.map((n) => n.nodeId) });
      for (const node of NODES) users.set(node.nodeId, await connectAs(node, urlFor));
      users.set(OPERATOR.nodeId, await connectNatsUser({ servers: operatorUrl, seed: OPERATOR.seed, inboxPrefix: `_INBOX.${OPERATOR.nodeId}`, name: 'operator' }));
    });

    afterAll(async () => {
      await Promise.all([...users.values()].map((user) => user.close()));
      await stop?.();
    });

    it('refuses a connection without credentials or with a seed it does not know', async () => {
      await expect(connectNatsUser({ servers: urlFor(DE_BKA) })).rejects.toThrow(/authorization violation/i);
      await expect(connectNatsUser({ servers: urlFor(DE_BKA), seed: INTRUDER.seed })).rejects.toThrow(/authorization violation/i);
    });

    it('lets nl-police look up its provisioned stream and publish to the de-bka, us-hsi and all audiences', async () => {
      const nl = as(NL_POLICE);
      // Right after a leaf connects, the hub's JetStream interest may not have reached the leaf yet.
      const info = await eventually(() => nl.jsm.streams.info(NL_STREAM), 10_000, 'stream');
      expect(info.config.subjects).toEqual([feedStreamSubject('nl-police')]);
      expect(info.config.name).toBe(NL_STREAM);
      for (const audience of ['de-bka', 'us-hsi', 'all']) {
        const ack = await nl.js.publish(feedSubject('nl-police', audience), `for ${audience}`, { msgID: audience });
        expect(ack).toMatchObject({ stream: NL_STREAM, duplicate: false });
      }
    });

    it('lets de-bka read and ack exactly its own audience and `all` through its own durables', async () => {
      const de = as(DE_BKA);
      const read: Record<string, string[]> = {};
      for (const audience of audiencesFor('de-bka')) {
        const name = feedConsumerName('de-bka', audience);
        await durable(de, name, feedSubject('nl-police', audience));
        read[audience] = await readAll(de, name);
      }
      expect(read).toEqual({ 'de-bka': ['for de-bka'], all: ['for all'] });
    });

    it('refuses de-bka publishing on nl-police’s feed', async () => {
      const de = as(DE_BKA);
      const forged = feedSubject('nl-police', 'de-bka');
      de.nc.publish(forged, 'forged');
      await expect(de.violation(forged, 'publish')).resolves.toMatchObject({ subject: forged });
      await refused(de, forged, () => de.js.publish(forged, 'forged too'));
      expect((await as(NL_POLICE).jsm.streams.info(NL_STREAM)).state.messages).toBe(3);
    });

    it('refuses de-bka a consumer on nl-police’s stream for another audience, for `>`, without a filter, or under another name', async () => {
      const de = as(DE_BKA);
      const create = (name: string, filter: string): string => `$JS.API.CONSUMER.CREATE.${NL_STREAM}.${name}.${filter}`;
      await refused(de, create('de-bka_de-bka', feedSubject('nl-police', 'us-hsi')), () => durable(de, 'de-bka_de-bka', feedSubject('nl-police', 'us-hsi')));
      await refused(de, create('us-hsi_us-hsi', feedSubject('nl-police', 'us-hsi')), () => durable(de, 'us-hsi_us-hsi', feedSubject('nl-police', 'us-hsi')));
      // A wildcard filter, or none, goes out on the subject without a filter, which no node may use at all.
      const unfiltered = `$JS.API.CONSUMER.CREATE.${NL_STREAM}.de-bka_de-bka`;
      await refused(de, unfiltered, () => durable(de, 'de-bka_de-bka', '>'));
      await expect(de.jsm.consumers.add(NL_STREAM, { durable_name: 'de-bka_de-bka', ack_policy: 'explicit' })).rejects.toThrow(/permissions violation/i);
      // de-bka's durable still has the one filter it was created with.
      expect((await de.jsm.consumers.info(NL_STREAM, 'de-bka_de-bka')).config.filter_subject).toBe(feedSubject('nl-police', 'de-bka'));
    });

    it('refuses de-bka a direct subscription to the feeds or to other nodes’ inboxes', async () => {
      const de = as(DE_BKA);
      for (const subject of ['palermo.v1.feed.>', feedSubject('nl-police', 'de-bka'), '_INBOX.>', '_INBOX.us-hsi.>']) {
        de.nc.subscribe(subject);
        await expect(de.violation(subject, 'subscription')).resolves.toMatchObject({ subject });
      }
    });

    it('lets us-hsi read `all` but never de-bka’s audience', async () => {
      const us = as(US_HSI);
      await durable(us, 'us-hsi_all', feedSubject('nl-police', 'all'));
      expect(await readAll(us, 'us-hsi_all')).toEqual(['for all']);
      const deAudience = feedSubject('nl-police', 'de-bka');
      await refused(us, `$JS.API.CONSUMER.CREATE.${NL_STREAM}.us-hsi_us-hsi.${deAudience}`, () => durable(us, 'us-hsi_us-hsi', deAudience));
      await refused(us, `$JS.API.CONSUMER.INFO.${NL_STREAM}.de-bka_de-bka`, () => us.js.consumers.get(NL_STREAM, 'de-bka_de-bka'));
      const next = `$JS.API.CONSUMER.MSG.NEXT.${NL_STREAM}.de-bka_de-bka`;
      await refused(us, next, () => us.nc.request(next, JSON.stringify({ batch: 1, expires: 1_000_000_000 }), { timeout: 2_000 }));
      us.nc.subscribe('_INBOX.de-bka.>');
      await expect(us.violation('_INBOX.de-bka.>', 'subscription')).resolves.toMatchObject({ subject: '_INBOX.de-bka.>' });
    });

    it('delivered: nl-police reads its partners’ durables on its own stream, never consumer state on de-bka’s', async () => {
      const nl = as(NL_POLICE);
      for (const durableName of ['de-bka_de-bka', 'de-bka_all', 'us-hsi_all']) {
        const info = await nl.jsm.consumers.info(NL_STREAM, durableName);
        expect(info.ack_floor.stream_seq).toBeGreaterThan(0); // read and acked above
        expect(info.delivered.stream_seq).toBeGreaterThanOrEqual(info.ack_floor.stream_seq);
      }
      const deStream = feedStreamName('de-bka');
      await refused(nl, `$JS.API.CONSUMER.INFO.${deStream}.us-hsi_all`, () => nl.jsm.consumers.info(deStream, 'us-hsi_all'));
      // de-bka may read its own durables' state, not the other partners' on nl-police's stream.
      await refused(as(DE_BKA), `$JS.API.CONSUMER.INFO.${NL_STREAM}.us-hsi_all`, () => as(DE_BKA).jsm.consumers.info(NL_STREAM, 'us-hsi_all'));
    });

    it('receipts: nl-police owns its receipts stream and reads it; de-bka sends only receipts it signs and reads none about nl-police', async () => {
      const nl = as(NL_POLICE);
      const de = as(DE_BKA);
      const stream = receiptStreamName('nl-police');
      await eventually(() => nl.jsm.streams.info(stream), 10_000, 'receipts stream');
      // JetStream publish of de-bka's own receipt: stored, the ack comes back to de-bka's inbox. (Behind a leaf, the new
      // stream's interest reaches de-bka's leaf server a moment after nl-police got its answer: "no responders" until then.)
      const ack = await eventually(() => de.js.publish(receiptSubject('nl-police', 'de-bka'), 'receipt by de-bka', { msgID: 'r1' }), 10_000, 'receipt stored');
      expect(ack).toMatchObject({ stream, duplicate: false });
      // A receipt in us-hsi's name, and a receipts stream for somebody else, are refused by the server.
      const posing = receiptSubject('nl-police', 'us-hsi');
      await refused(de, posing, () => de.js.publish(posing, 'forged receipt'));
      await refused(de, `$JS.API.STREAM.CREATE.${receiptStreamName('us-hsi')}`, () => de.jsm.streams.add({ name: receiptStreamName('us-hsi'), subjects: [receiptStreamSubject('us-hsi')] }));
      // de-bka may not read the receipts about nl-police's bundles, under any durable name.
      for (const name of [receiptConsumerName('de-bka'), receiptConsumerName('nl-police')]) {
        const create = `$JS.API.CONSUMER.CREATE.${stream}.${name}.${receiptStreamSubject('nl-police')}`;
        await refused(de, create, () => de.jsm.consumers.add(stream, { durable_name: name, filter_subject: receiptStreamSubject('nl-police'), ack_policy: 'explicit' }));
      }
      // nl-police reads its receipts through its one durable, exactly as libs/federation creates it.
      await nl.jsm.consumers.add(stream, { durable_name: receiptConsumerName('nl-police'), filter_subject: receiptStreamSubject('nl-police'), ack_policy: 'explicit', deliver_policy: 'all' });
      const consumer = await nl.js.consumers.get(stream, receiptConsumerName('nl-police'));
      const seen: string[] = [];
      for await (const msg of await consumer.fetch({ max_messages: 10, expires: 1_000 })) {
        seen.push(`${msg.subject}: ${msg.string()}`);
        expect(await msg.ackAck()).toBe(true);
      }
      expect(seen).toEqual(['palermo.v1.receipt.nl-police.de-bka: receipt by de-bka']);
    });

    it('resync: nl-police answers requests on its own subject into the asker’s inbox; de-bka may not serve nl-police’s', async () => {
      const nl = as(NL_POLICE);
      const de = as(DE_BKA);
      const subject = resyncSubject('nl-police');
      const served = nl.nc.subscribe(subject, { callback: (_err, msg) => void msg.respond(`answer to ${msg.string()}`) });
      await nl.nc.flush();
      const answer = await eventually(() => de.nc.request(subject, 'de-bka asks', { timeout: 2_000 }), 10_000, 'resync answer');
      expect(answer.string()).toBe('answer to de-bka asks');
      // B may not subscribe to A's resync subject (it would read A's partners' requests and could answer for A).
      for (const foreign of [subject, 'palermo.v1.resync.*', 'palermo.v1.resync.>']) {
        de.nc.subscribe(foreign);
        await expect(de.violation(foreign, 'subscription')).resolves.toMatchObject({ subject: foreign });
      }
      // Nor publish anything else under the resync prefix than a request to one node.
      de.nc.publish('palermo.v1.resync.nl-police.extra', 'x');
      await expect(de.violation('palermo.v1.resync.nl-police.extra', 'publish')).resolves.toMatchObject({ subject: 'palermo.v1.resync.nl-police.extra' });
      served.unsubscribe();
    });

    it('feed log: only nl-police publishes its checkpoints; de-bka reads them, countersigns in its own name only, asks for proofs', async () => {
      const nl = as(NL_POLICE);
      const de = as(DE_BKA);
      const stream = logStreamName('nl-police');
      await eventually(() => nl.jsm.streams.info(stream), 10_000, 'log stream');
      expect(await nl.js.publish(logCheckpointSubject('nl-police'), 'checkpoint by nl-police', { msgID: 'c1' })).toMatchObject({ stream, duplicate: false });
      // de-bka may not publish nl-police's checkpoints, nor countersign as us-hsi, nor own nl-police's log stream.
      const forged = logCheckpointSubject('nl-police');
      await refused(de, forged, () => de.js.publish(forged, 'forged checkpoint'));
      const posing = logWitnessSubject('nl-police', 'us-hsi');
      await refused(de, posing, () => de.js.publish(posing, 'forged countersignature'));
      await refused(de, `$JS.API.STREAM.CREATE.${logStreamName('us-hsi')}`, () => de.jsm.streams.add({ name: logStreamName('us-hsi'), subjects: [logCheckpointSubject('us-hsi')] }));
      // Its own countersignature goes into nl-police's stream.
      expect(await de.js.publish(logWitnessSubject('nl-police', 'de-bka'), 'countersigned by de-bka', { msgID: 'w1' })).toMatchObject({ stream });
      // de-bka reads the checkpoints through its durable, and never the countersignatures.
      const name = logCheckpointConsumerName('de-bka');
      await de.jsm.consumers.add(stream, { durable_name: name, filter_subject: logCheckpointSubject('nl-police'), ack_policy: 'explicit', deliver_policy: 'all' });
      const seen: string[] = [];
      for await (const msg of await (await de.js.consumers.get(stream, name)).fetch({ max_messages: 10, expires: 1_000 })) {
        seen.push(msg.string());
        expect(await msg.ackAck()).toBe(true);
      }
      expect(seen).toEqual(['checkpoint by nl-police']);
      const witnesses = logWitnessStreamSubject('nl-police');
      await refused(de, `$JS.API.CONSUMER.CREATE.${stream}.${name}.${witnesses}`, () => de.jsm.consumers.add(stream, { durable_name: name, filter_subject: witnesses, ack_policy: 'explicit' }));
      await nl.jsm.consumers.add(stream, { durable_name: logWitnessConsumerName('nl-police'), filter_subject: witnesses, ack_policy: 'explicit', deliver_policy: 'all' });
      // Proofs: nl-police answers requests on its proof subject; de-bka may ask but not answer in its place.
      const proofs = nl.nc.subscribe(logProofSubject('nl-police'));
      void (async () => {
        for await (const msg of proofs) msg.respond(`proof for ${msg.string()}`);
      })();
      await nl.nc.flush();
      const answer = await eventually(() => de.nc.request(logProofSubject('nl-police'), 'leaf 0', { timeout: 2_000 }), 10_000, 'proof answer');
      expect(answer.string()).toBe('proof for leaf 0');
      de.nc.subscribe(logProofSubject('nl-police'));
      await expect(de.violation(logProofSubject('nl-police'), 'subscription')).resolves.toMatchObject({ subject: logProofSubject('nl-police') });
      proofs.unsubscribe();
    });

    it('key statements: nl-police owns its key stream and publishes there; de-bka reads it through its durable and cannot publish on it', async () => {
      const nl = as(NL_POLICE);
      const de = as(DE_BKA);
      const stream = keyStreamName('nl-police');
      await eventually(() => nl.jsm.streams.info(stream), 10_000, 'key stream');
      expect(await nl.js.publish(keySubject('nl-police'), 'rotation by nl-police', { msgID: 'k1' })).toMatchObject({ stream, duplicate: false });
      // de-bka may not state keys in nl-police's name, nor make or change nl-police's key stream.
      const forged = keySubject('nl-police');
      de.nc.publish(forged, 'forged rotation');
      await expect(de.violation(forged, 'publish')).resolves.toMatchObject({ subject: forged });
      await refused(de, forged, () => de.js.publish(forged, 'forged rotation too'));
      await refused(de, `$JS.API.STREAM.DELETE.${stream}`, () => de.jsm.streams.delete(stream));
      // de-bka reads nl-police's key statements through its own durable, with the one filter, exactly as libs/federation creates it.
      await de.jsm.consumers.add(stream, { durable_name: keyConsumerName('de-bka'), filter_subject: keySubject('nl-police'), ack_policy: 'explicit', deliver_policy: 'all' });
      const consumer = await de.js.consumers.get(stream, keyConsumerName('de-bka'));
      const seen: string[] = [];
      for await (const msg of await consumer.fetch({ max_messages: 10, expires: 1_000 })) {
        seen.push(msg.string());
        expect(await msg.ackAck()).toBe(true);
      }
      expect(seen).toEqual(['rotation by nl-police']);
      // ... and not under another node's durable name.
      await refused(de, `$JS.API.CONSUMER.CREATE.${stream}.${keyConsumerName('us-hsi')}.${keySubject('nl-police')}`, () => de.jsm.consumers.add(stream, { durable_name: keyConsumerName('us-hsi'), filter_subject: keySubject('nl-police'), ack_policy: 'explicit' }));
      expect((await nl.jsm.streams.info(stream)).state.messages).toBe(1);
    });

    it('feedback: nl-police owns its feedback stream and reads it; de-bka sends feedback only as itself and reads none addressed to nl-police', async () => {
      const nl = as(NL_POLICE);
      const de = as(DE_BKA);
      const stream = feedbackStreamName('nl-police');
      await eventually(() => nl.jsm.streams.info(stream), 10_000, 'feedback stream');
      // JetStream publish of de-bka's own feedback: stored in nl-police's stream, the ack comes back to de-bka's inbox.
      const ack = await eventually(() => de.js.publish(feedbackSubject('nl-police', 'de-bka'), 'sighting by de-bka', { msgID: 'f1' }), 10_000, 'feedback stored');
      expect(ack).toMatchObject({ stream, duplicate: false });
      // Feedback in us-hsi's name to nl-police, or in nl-police's name to de-bka itself, is refused by the server, core or JetStream.
      for (const posing of [feedbackSubject('nl-police', 'us-hsi'), feedbackSubject('de-bka', 'nl-police')]) {
        de.nc.publish(posing, 'forged feedback');
        await expect(de.violation(posing, 'publish')).resolves.toMatchObject({ subject: posing });
        await refused(de, posing, () => de.js.publish(posing, 'forged feedback too'));
      }
      // de-bka may not look up nl-police's feedback stream, nor make one for anybody.
      await refused(de, `$JS.API.STREAM.INFO.${stream}`, () => de.jsm.streams.info(stream));
      await refused(de, `$JS.API.STREAM.CREATE.${feedbackStreamName('us-hsi')}`, () => de.jsm.streams.add({ name: feedbackStreamName('us-hsi'), subjects: [feedbackStreamSubject('us-hsi')] }));
      // Nor read it: no consumer on it under any name, with any filter (the stream's, one sender's, its own, `>`, none).
      const attempts: Array<[string, string]> = [
        [feedbackConsumerName('de-bka'), feedbackStreamSubject('nl-police')],
        [feedbackConsumerName('nl-police'), feedbackStreamSubject('nl-police')],
        [feedbackConsumerName('de-bka'), feedbackSubject('nl-police', 'us-hsi')],
        [feedbackConsumerName('de-bka'), feedbackStreamSubject('de-bka')],
        ['de-bka_de-bka', feedbackSubject('nl-police', 'de-bka')],
      ];
      for (const [name, filter] of attempts) {
        await refused(de, `$JS.API.CONSUMER.CREATE.${stream}.${name}.${filter}`, () => de.jsm.consumers.add(stream, { durable_name: name, filter_subject: filter, ack_policy: 'explicit' }));
      }
      await refused(de, `$JS.API.CONSUMER.CREATE.${stream}.${feedbackConsumerName('de-bka')}`, () => de.jsm.consumers.add(stream, { durable_name: feedbackConsumerName('de-bka'), filter_subject: '>', ack_policy: 'explicit' }));
      await expect(de.jsm.consumers.add(stream, { durable_name: feedbackConsumerName('de-bka'), ack_policy: 'explicit' })).rejects.toThrow(/permissions violation/i);
      // Nor by a core subscription (nl-police has none either: it reads its feedback through its durable only).
      for (const [user, subject] of [[de, 'palermo.v1.feedback.>'], [de, feedbackStreamSubject('nl-police')], [nl, feedbackStreamSubject('nl-police')]] as const) {
        user.nc.subscribe(subject);
        await expect(user.violation(subject, 'subscription')).resolves.toMatchObject({ subject });
      }
      // nl-police reads its feedback through its one durable, exactly as libs/federation creates it, with the sender in the subject.
      const name = feedbackConsumerName('nl-police');
      await nl.jsm.consumers.add(stream, { durable_name: name, filter_subject: feedbackStreamSubject('nl-police'), ack_policy: 'explicit', deliver_policy: 'all' });
      // ... and under no other name or filter.
      await refused(nl, `$JS.API.CONSUMER.CREATE.${stream}.nl-police_x.${feedbackStreamSubject('nl-police')}`, () => nl.jsm.consumers.add(stream, { durable_name: 'nl-police_x', filter_subject: feedbackStreamSubject('nl-police'), ack_policy: 'explicit' }));
      // de-bka may neither bind nor pull nl-police's durable.
      await refused(de, `$JS.API.CONSUMER.INFO.${stream}.${name}`, () => de.js.consumers.get(stream, name));
      const next = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${name}`;
      await refused(de, next, () => de.nc.request(next, JSON.stringify({ batch: 1, expires: 1_000_000_000 }), { timeout: 2_000 }));
      const consumer = await nl.js.consumers.get(stream, name);
      const seen: string[] = [];
      for await (const msg of await consumer.fetch({ max_messages: 10, expires: 1_000 })) {
        seen.push(`${msg.subject}: ${msg.string()}`);
        expect(await msg.ackAck()).toBe(true);
      }
      expect(seen).toEqual(['palermo.v1.feedback.nl-police.de-bka: sighting by de-bka']);
      expect((await nl.jsm.streams.info(stream)).state.messages).toBe(1);
    });

    // Closed (deploy/nats/README.md, "Who creates the streams"): permissions cannot look inside a stream config, and
    // on 2.9.10 the server republishes what a stream stores, and sources other streams into it, without checking the
    // owner's rights. So a node may only look its streams up; the operator creates them with libs/federation's config.
    it('refuses de-bka creating or updating any stream — sources, republish, foreign subjects — and nothing is republished to it', async () => {
      const de = as(DE_BKA);
      const nl = as(NL_POLICE);
      const us = as(US_HSI);
      const inbox = '_INBOX.de-bka.stolen';
      const got: string[] = [];
      const sub = de.nc.subscribe(`${inbox}.>`, { callback: (_err, msg) => void got.push(`${msg.subject}: ${msg.string()}`) });
      await de.nc.flush();
      const hostile = { sources: [{ name: NL_STREAM }], republish: { src: '>', dest: `${inbox}.>` } };
      for (const own of [feedStreamName('de-bka'), receiptStreamName('de-bka'), keyStreamName('de-bka'), logStreamName('de-bka'), feedbackStreamName('de-bka')]) {
        await eventually(() => de.jsm.streams.info(own), 10_000, `${own} visible`);
        // Its own (provisioned) streams: no update, whatever the config, and no create under the same name.
        await refused(de, `$JS.API.STREAM.UPDATE.${own}`, () => de.jsm.streams.update(own, { subjects: ['_INBOX.us-hsi.>'], ...hostile }));
        await refused(de, `$JS.API.STREAM.CREATE.${own}`, () => de.jsm.streams.add({ name: own, subjects: ['_INBOX.nl-police.>'], ...hostile }));
      }
      // Nor a new stream of any name, nor a delete (to recreate its own).
      await refused(de, '$JS.API.STREAM.CREATE.DE_BKA_CAPTURE', () => de.jsm.streams.add({ name: 'DE_BKA_CAPTURE', subjects: ['_INBOX.us-hsi.>'], ...hostile }));
      await refused(de, `$JS.API.STREAM.DELETE.${feedStreamName('de-bka')}`, () => de.jsm.streams.delete(feedStreamName('de-bka')));
      // Its streams keep the operator's config: no sources, no republish, its own subjects only.
      const config = (await de.jsm.streams.info(receiptStreamName('de-bka'))).config;
      expect(config).toMatchObject({ subjects: [receiptStreamSubject('de-bka')] });
      expect(config.sources ?? []).toEqual([]);
      expect(config.republish).toBeUndefined();
      // nl-police's feed grows and us-hsi gets a resync answer addressed to it: nothing reaches de-bka's inbox.
      await nl.js.publish(feedSubject('nl-police', 'us-hsi'), 'for us-hsi, later', { msgID: 'later' });
      const served = nl.nc.subscribe(resyncSubject('nl-police'), { callback: (_err, msg) => void msg.respond('answer for us-hsi only') });
      await nl.nc.flush();
      await eventually(() => us.nc.request(resyncSubject('nl-police'), 'us-hsi asks', { timeout: 2_000 }), 10_000, 'resync answer');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await de.nc.flush();
      expect(got).toEqual([]);
      sub.unsubscribe();
      served.unsubscribe();
    });

    it('the operator creates and updates streams but reads no message: no single-message reads, consumers or feed subjects', async () => {
      const op = as(OPERATOR);
      expect((await op.jsm.streams.info(NL_STREAM)).state.messages).toBeGreaterThan(0);
      await refused(op, `$JS.API.STREAM.MSG.GET.${NL_STREAM}`, () => op.jsm.streams.getMessage(NL_STREAM, { seq: 1 }));
      await refused(op, `$JS.API.DIRECT.GET.${NL_STREAM}`, () => op.nc.request(`$JS.API.DIRECT.GET.${NL_STREAM}`, JSON.stringify({ seq: 1 }), { timeout: 2_000 }));
      const filter = feedSubject('nl-police', 'de-bka');
      await refused(op, `$JS.API.CONSUMER.CREATE.${NL_STREAM}.op_x.${filter}`, () => op.jsm.consumers.add(NL_STREAM, { durable_name: 'op_x', filter_subject: filter, ack_policy: 'explicit' }));
      await refused(op, filter, () => op.js.publish(filter, 'forged by the operator'));
      op.nc.subscribe('palermo.v1.feed.>');
      await expect(op.violation('palermo.v1.feed.>', 'subscription')).resolves.toMatchObject({ subject: 'palermo.v1.feed.>' });
    });
  });
}

describe('deploy/nats: NATS enforces node identity', () => {
  it('lists exactly the public keys of the test seeds (and no seed)', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const files = [...readdirSync(DIR).filter((f) => f.endsWith('.conf')), ...readdirSync(join(DIR, 'nodes')).map((f) => `nodes/${f}`)];
    const text = files.map((f) => readFileSync(conf(f), 'utf8')).join('\n');
    for (const node of NODES) {
      expect(nkeyPublicKey(node.seed)).toBe(node.publicKey);
      expect(readFileSync(conf(`nodes/${node.nodeId}.conf`), 'utf8')).toContain(`nkey: "${node.publicKey}"`);
    }
    expect(text).not.toMatch(/\bS[A-Z]{1}[A-Z2-7]{50,}\b/); // an nkey seed (SU..., SA..., SO...)
  });

  identityContract('single-nkeys.conf: one server', async () => {
    const server = await startNatsServer({ configFile: conf('single-nkeys.conf') });
    return { urlFor: () => server.url, operatorUrl: server.url, stop: () => server.stop() };
  });

  identityContract('cluster-{1,2,3}.conf: three routed servers, each node on a different one', async () => {
    const routePorts = await Promise.all([1, 2, 3].map(() => freePort()));
    const routes = routePorts.map((port) => `nats-route://127.0.0.1:${port}`).join(',');
    const servers = await Promise.all(
      [1, 2, 3].map((i) =>
        startNatsServer({ configFile: conf(`cluster-${i}.conf`), args: ['--cluster', `nats://127.0.0.1:${routePorts[i - 1]}`, '--routes', routes] }),
      ),
    );
    const stop = async (): Promise<void> => void (await Promise.all(servers.map((s) => s.stop())));
    try {
      await eventually(async () => {
        const views = await Promise.all(servers.map((s) => Promise.all([monitor<{ num_routes: number }>(s, '/routez'), monitor<{ meta_cluster?: { leader?: string } }>(s, '/jsz')])));
        const leaders = new Set(views.map(([, jsz]) => jsz.meta_cluster?.leader ?? ''));
        if (views.some(([routez]) => routez.num_routes < 2) || leaders.size !== 1 || leaders.has('')) throw new Error(`routes/leader: ${JSON.stringify(views)}`);
      }, 20_000, 'full mesh with a JetStream meta leader');
    } catch (err) {
      await stop();
      throw err;
    }
    const at = new Map(NODES.map((node, i) => [node.nodeId, servers[i].url]));
    return { urlFor: (node) => at.get(node.nodeId) as string, operatorUrl: servers[0].url, stop };
  });

  identityContract('leaf-hub.conf + leaf-<node id>.conf: each node behind its own agency’s leaf server, JetStream on the hub', async () => {
    const topology = await startLeafTopology(NODES.map((node) => node.nodeId));
    // The operator provisions on the hub, where JetStream lives.
    return { urlFor: (node) => topology.urlFor(node.nodeId), operatorUrl: topology.hub.url, stop: () => topology.stop() };
  });
});
