import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, type BundleEntry } from '@palermo/bundles';
import { feedSubject } from '@palermo/federation';
import type { WireIndicator } from '@palermo/indicators';
import { loadNodeKeys } from '../../apps/node/src/keys/node-keys';
import { holds, inbound, publish, rawBundle } from './support/agreements.probes';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { signedBundle } from './support/hostile.bundle-factory';
import { RawNatsClient } from './support/hostile.nats-wire';

// Issue 5 item 1, across hops: A → B → C, and A has no agreement with C. B relays what it imported
// from A because its agreements with both allow onward sharing; C keeps it because its agreement
// with B does. D has agreements with B (without onward) and C, and never gets A's indicator.

const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';
const D = 'fr-police';
const ONWARD = { onward: true };

let fed: Federation;
let [a, b, c, d]: TestNode[] = [];
let nats: RawNatsClient;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL', agreements: [{ partner: B, terms: ONWARD }] },
    { nodeId: B, jurisdiction: 'DE', agreements: [{ partner: A, terms: ONWARD }, { partner: C, terms: ONWARD }, { partner: D }] },
    { nodeId: C, jurisdiction: 'US', agreements: [{ partner: B, terms: ONWARD }, { partner: D }] },
    { nodeId: D, jurisdiction: 'FR', agreements: [{ partner: B }, { partner: C }] },
  ]);
  [a, b, c, d] = [A, B, C, D].map((id) => fed.node(id));
  nats = await RawNatsClient.connect(fed.nats.url);
}, 240_000);

afterAll(async () => {
  await nats?.close();
  await fed?.stop();
});

/** The indicator as `node` shows it (GET /indicators/:id), or null. */
async function shown(node: TestNode, id: string): Promise<any | null> {
  const res = await node.api('GET', `/indicators/${id}`, { role: 'auditor' });
  return res.status === 200 ? res.body : null;
}

/** Ids GET /indicators returns on `node` for an e-mail value, with `include`. */
async function found(node: TestNode, value: string, include?: string): Promise<any[]> {
  const q = new URLSearchParams({ type: 'email', value, ...(include ? { include } : {}) });
  const res = await node.api('GET', `/indicators?${q}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

/** Publishes `entries` on `publisher`'s chain to `audience` as the next bundle, signed with its key. */
async function injectNext(publisher: TestNode, audience: TestNode, entries: BundleEntry[]): Promise<string> {
  const chain = await inbound(audience, publisher.nodeId, audience.nodeId);
  const head = chain.at(-1)!;
  const bundle = buildBundle({ publisher: publisher.nodeId, audience: audience.nodeId, seq: head ? head.seq + 1 : 1, prev: head?.hash ?? null, entries });
  const keys = await loadNodeKeys(publisher.dataDir);
  const msg = await signedBundle(bundle, keys.privateKey, keys.fingerprint);
  await nats.publish(feedSubject(publisher.nodeId, audience.nodeId), msg.payload, msg.headers);
  return msg.headers['Palermo-Hash']!;
}

const VALUE = 'recruiter-hops@example.org';
const EXPIRING = 'expiring-hops@example.org';

describe('lifecycle across hops (A → B → C)', () => {
  let id: string;
  let expiring: string;
  let v1: WireIndicator;

  it('C gets what A publishes through B: origin A, relayed by B, same id and version', async () => {
    [id, expiring] = await publish(a, [
      { type: 'email', value: VALUE, tlp: 'green', confidence: 60, tags: ['ht:recruitment'] },
      { type: 'email', value: EXPIRING, tlp: 'green', confidence: 60, tags: [], validUntil: new Date(Date.now() + 25_000).toISOString() },
    ]) as [string, string];
    const atC = await eventually(`${C} to hold ${id} through ${B}`, () => shown(c, id));
    expect(atC.indicator).toMatchObject({ id, origin: A, own: false, version: 1, relayedBy: B, value: VALUE });
    const bundle = await rawBundle(c, atC.bundleHash);
    expect(bundle.publisher).toBe(B);
    v1 = bundle.entries.find((e) => e.op === 'upsert' && e.indicator.id === id).indicator;
    expect(v1).toMatchObject({ id, origin: A, version: 1 });
    // B relays under its onward agreement with C; the decision says so.
    const decisions = (await b.api('GET', `/bundles/${atC.bundleHash}/decisions`, { role: 'auditor' })).body.items;
    expect(decisions).toContainEqual(expect.objectContaining({ originId: id, action: 'share', reasons: expect.arrayContaining(['export.relayed']) }));
  }, 90_000);

  it('without the onward term nothing is relayed: D (agreement with B without onward) never gets it', async () => {
    await eventually(`${C} to hold ${expiring}`, () => holds(c, expiring));
    // D's own chain from B is open (an agreement without onward): B's own indicators would go, A's do not.
    expect(await holds(d, id)).toBe(false);
    expect(await holds(d, expiring)).toBe(false);
    expect(await holds(a, id)).toBe(true);
  }, 90_000);

  it('an update by A (higher version) reaches C through B', async () => {
    const [same] = await publish(a, [{ type: 'email', value: VALUE, tlp: 'green', confidence: 90, tags: ['ht:recruitment'] }]);
    expect(same).toBe(id);
    const atC = await eventually(`${C} to hold version 2 of ${id}`, async () => {
      const s = await shown(c, id);
      return s?.indicator.version === 2 ? s : null;
    });
    expect(atC.indicator).toMatchObject({ confidence: 90, origin: A, relayedBy: B });
  }, 90_000);

  it("a revoke of A's indicator by a node that never relayed it to C is refused with its reason, and recorded", async () => {
    const hash = await injectNext(d, c, [{ op: 'revoke', id, reason: 'not yours to revoke' }]);
    await eventually(`${C} to record the bundle from ${D}`, async () => (await inbound(c, D, C)).some((x) => x.hash === hash));
    const atC = await shown(c, id);
    expect(atC.indicator.revokedAt).toBeNull();
    expect(atC.history).toContainEqual(expect.objectContaining({ event: 'revocation-refused', from: D, detail: 'REVOCATION_NOT_FROM_SOURCE', bundleHash: hash }));
    expect((await found(c, VALUE)).map((i) => i.id)).toEqual([id]);
  }, 90_000);

  it("A's revocation reaches C through B: not active any more, and the history shows it", async () => {
    const res = await a.api('POST', `/indicators/${id}/revoke`, { body: { reason: 'number reassigned' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await eventually(`${C} to learn that ${id} is revoked`, async () => (await shown(c, id))?.indicator.revokedAt ?? null);
    expect(await found(c, VALUE)).toEqual([]);
    const [withHistory] = await found(c, VALUE, 'history');
    expect(withHistory).toMatchObject({ id, origin: A, version: 2 });
    expect(withHistory.history.map((e: any) => [e.event, e.version, e.from])).toEqual([
      ['received', 1, B],
      ['received', 2, B],
      ['revocation-refused', null, D],
      ['revoked', null, B],
    ]);
    // B's relayed revocation carries the generic reason, not A's free text.
    expect(withHistory.revokeReason).toBe('revoked by the origin');
  }, 90_000);

  it('an older (or equal) copy arriving later changes nothing: a revoked indicator never comes back', async () => {
    // Replayed on B's chain to C, signed with B's key (one id per bundle: the wire allows no duplicates).
    for (const copy of [v1, { ...v1, version: 2, confidence: 90 }]) {
      const hash = await injectNext(b, c, [{ op: 'upsert', indicator: copy }]);
      await eventually(`${C} to record the replayed version ${copy.version}`, async () => (await inbound(c, B, C)).some((x) => x.hash === hash));
      const atC = await shown(c, id);
      expect(atC.indicator).toMatchObject({ version: 2, confidence: 90 });
      expect(atC.indicator.revokedAt).not.toBeNull();
      expect(await found(c, VALUE)).toEqual([]);
    }
  }, 90_000);

  it('include= refuses what it does not know (400 with the field), and takes duplicates and spaces', async () => {
    for (const bad of ['bogus', 'history,bogus', 'x'.repeat(65), 'revoked;drop table indicator']) {
      const res = await c.api('GET', `/indicators?include=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const dup = await c.api('GET', `/indicators?type=email&value=${encodeURIComponent(VALUE)}&include=${encodeURIComponent('revoked, revoked')}`);
    expect(dup.status).toBe(200);
    expect(dup.body.items.map((i: any) => i.id)).toEqual([id]);
  }, 30_000);

  it('expiry: past its validUntil an indicator leaves active results (also at C), and include=expired shows it', async () => {
    await eventually(`${expiring} to expire`, async () => (await found(a, EXPIRING)).length === 0, 60_000);
    expect(await found(c, EXPIRING)).toEqual([]);
    expect((await found(c, EXPIRING, 'expired')).map((i) => [i.id, i.origin, i.relayedBy])).toEqual([[expiring, A, B]]);
    expect((await found(a, EXPIRING, 'expired')).map((i) => i.id)).toEqual([expiring]);
  }, 90_000);
});
