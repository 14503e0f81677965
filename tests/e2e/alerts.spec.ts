import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { listAll } from './support/hostile.node-io';

// Correlation alerts between real nodes: nl-police and de-bka publish, import each other's
// indicators, and each node's correlator (off the import path) records which sources agree.
// de-bka's agreement with nl-police keeps IBANs only as pseudonyms on import.
const A = 'nl-police';
const B = 'de-bka';

let fed: Federation;
let nl: TestNode;
let de: TestNode;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE', agreements: [{ partner: A, terms: { pseudonymize: ['iban'] } }] },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
});

afterAll(async () => {
  await fed?.stop();
});

async function publish(node: TestNode, indicators: object[]): Promise<string[]> {
  const res = await node.api('POST', '/indicators', { body: { indicators: indicators.map((i) => ({ tlp: 'green', confidence: 80, tags: ['ht:recruitment'], ...i })) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.items.map((i: { id: string }) => i.id);
}

/** Waits until `node` holds the indicator `id` of `origin` (imported). */
const holds = (node: TestNode, id: string) =>
  eventually(`${node.nodeId} holding ${id}`, async () => ((await node.api('GET', `/indicators/${id}`)).status === 200 ? true : undefined));

/** The alerts of a node matching `pred`, once there is at least one. */
const alertsWhere = (node: TestNode, what: string, pred: (a: any) => boolean) =>
  eventually(`${what} on ${node.nodeId}`, async () => {
    const found = (await listAll(node, '/alerts', 'analyst')).filter(pred);
    return found.length > 0 ? found : undefined;
  });

/** `value` (pdq:…) with `distance` bits flipped, spread over the chunks. */
function flip(value: string, distance: number): string {
  const nibbles = [...value.slice(4)].map((c) => parseInt(c, 16));
  for (let i = 0; i < distance; i++) {
    const bit = (i * 17) % 256;
    nibbles[bit >> 2] ^= 8 >> (bit & 3);
  }
  return `pdq:${nibbles.map((n) => n.toString(16)).join('')}`;
}

const PHONE = '+31612345678';

describe('correlation alerts', () => {
  it('the same phone number typed differently on both nodes: each side has one exact alert listing both sources', async () => {
    const [nlId] = await publish(nl, [{ type: 'phone', value: '06 1234 5678' }]);
    const [deId] = await publish(de, [{ type: 'phone', value: '+31 6 1234 5678', tlp: 'amber' }]);
    for (const node of [nl, de]) {
      const [alert] = await alertsWhere(node, 'the phone alert', (a) => a.kind === 'exact' && a.value === PHONE && a.sourceCount === 2);
      expect(alert).toMatchObject({ type: 'phone', pseudonym: null, state: 'open', nodeCount: 2 });
      expect(alert.sources.map((s: any) => [s.origin, s.indicatorId, s.via, s.version, s.tlp, s.active]).sort()).toEqual(
        [[A, nlId, A, 1, 'green', true], [B, deId, B, 1, 'amber', true]].sort(),
      );
      const one = await node.api('GET', `/alerts/${alert.id}`, { role: 'auditor' });
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: alert.id, kind: 'exact', value: PHONE });
      // One audit entry for the new alert.
      const audited = await listAll(node, `/audit?action=alert.created&subjectId=${alert.id}`);
      expect(audited).toHaveLength(1);
    }
  });

  it('an update of one source (a new version, imported again) updates the alert, never duplicates it', async () => {
    const [nlId] = await publish(nl, [{ type: 'phone', value: '06 1234 5678', confidence: 95 }]);
    const [alert] = await alertsWhere(de, 'version 2 in the alert', (a) => a.value === PHONE && a.sources.some((s: any) => s.indicatorId === nlId && s.version === 2));
    expect(alert.sourceCount).toBe(2);
    for (const node of [nl, de]) {
      const all = (await listAll(node, '/alerts?kind=exact&type=phone', 'analyst')).filter((a) => a.value === PHONE);
      expect(all, node.nodeId).toHaveLength(1);
      expect(await listAll(node, `/audit?action=alert.created&subjectId=${all[0].id}`)).toHaveLength(1);
    }
  });

  it('a pseudonymized import meets a local value on de-bka: an alert with the pseudonym and without the value', async () => {
    const iban = 'DE89 3704 0044 0532 0130 00';
    const [deId] = await publish(de, [{ type: 'iban', value: iban }]);
    const [nlId] = await publish(nl, [{ type: 'iban', value: iban }]);
    await holds(de, nlId!);
    const [onDe] = await alertsWhere(de, 'the iban pseudonym alert', (a) => a.kind === 'pseudonym' && a.type === 'iban');
    expect(onDe).toMatchObject({ value: null, nearValue: null, sourceCount: 2, nodeCount: 2 });
    expect(onDe.pseudonym).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(onDe.sources.map((s: any) => [s.origin, s.indicatorId, s.pseudonymOnly]).sort()).toEqual([[A, nlId, true], [B, deId, false]].sort());
    expect(JSON.stringify(onDe)).not.toMatch(/DE89|370400440532013000/i);
    // nl-police's agreement keeps values: it sees the IBAN as an exact match.
    const [onNl] = await alertsWhere(nl, 'the iban exact alert', (a) => a.kind === 'exact' && a.type === 'iban');
    expect(onNl).toMatchObject({ value: 'DE89370400440532013000', sourceCount: 2 });
  });

  it('a PDQ hash 31 bits from a partner’s makes a near alert with the distance; one 32 bits away makes none', async () => {
    const base = `pdq:${randomBytes(32).toString('hex')}`;
    const [baseId] = await publish(nl, [{ type: 'image-hash', value: base }]);
    const [nearId, farId] = await publish(de, [
      { type: 'image-hash', value: flip(base, 31) },
      { type: 'image-hash', value: flip(base, 32) },
    ]);
    for (const node of [nl, de]) {
      const [alert] = await alertsWhere(node, 'the near alert', (a) => a.kind === 'near' && [a.value, a.nearValue].includes(base));
      expect(alert).toMatchObject({ type: 'image-hash', distance: 31, sourceCount: 2, nodeCount: 2 });
      expect(alert.sources.map((s: any) => s.indicatorId).sort()).toEqual([baseId, nearId].sort());
    }
    await holds(nl, farId!);
    // Both of de-bka's hashes were written in one transaction (adjacent change_seq): the page that made
    // the near alert on either node has passed the far hash too.
    for (const node of [nl, de]) {
      const near = await listAll(node, '/alerts?kind=near', 'analyst');
      expect(near.filter((a) => [a.value, a.nearValue].includes(flip(base, 32))), node.nodeId).toEqual([]);
      expect(near.filter((a) => [a.value, a.nearValue].includes(base))).toHaveLength(1);
    }
  });

  it('every bundle delivered again (a resync from scratch) duplicates no alert', async () => {
    const before = await listAll(de, '/alerts', 'analyst');
    const audited = (await listAll(de, '/audit?action=alert.created')).length;
    const res = await de.api('POST', `/partners/${A}/resync`, { role: 'policy-officer', body: { fromScratch: true } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.chains.reduce((n: number, c: { alreadyHad: number }) => n + c.alreadyHad, 0)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await listAll(de, '/alerts', 'analyst');
    expect(after.map((a) => [a.id, a.sourceCount, a.sources.length])).toEqual(before.map((a) => [a.id, a.sourceCount, a.sources.length]));
    expect((await listAll(de, '/audit?action=alert.created')).length).toBe(audited);
  });

  it('a revocation of one source leaves the alert with that source inactive', async () => {
    const [nlId] = await publish(nl, [{ type: 'phone', value: '06 1234 5678', confidence: 95 }]);
    expect((await nl.api('POST', `/indicators/${nlId}/revoke`, { body: { reason: 'false positive' } })).status).toBe(200);
    for (const node of [nl, de]) {
      const [alert] = await alertsWhere(node, 'the revoked source', (a) => a.value === PHONE && a.sources.some((s: any) => s.origin === A && !s.active));
      expect(alert).toMatchObject({ sourceCount: 1, nodeCount: 1 });
      expect((await listAll(node, '/alerts?minSources=2&type=phone', 'analyst')).filter((a) => a.value === PHONE)).toEqual([]);
    }
  });

  it('filters by kind, type, node, since, minSources and state, and pages with a cursor', async () => {
    const page1 = await de.api('GET', '/alerts?limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await de.api('GET', `/alerts?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
    expect((await listAll(de, `/alerts?node=${A}&state=open&since=2020-01-01T00:00:00Z`, 'analyst')).length).toBeGreaterThanOrEqual(3);
    expect(await listAll(de, '/alerts?node=us-hsi', 'analyst')).toEqual([]);
    expect((await listAll(de, `/alerts?origin=${A}&kind=near`, 'analyst')).length).toBe(1);
    expect(await listAll(de, '/alerts?origin=us-hsi', 'analyst')).toEqual([]);
    expect((await listAll(de, '/alerts?kind=pseudonym&type=iban', 'policy-officer')).every((a) => a.value === null)).toBe(true);
  });

  it.each([
    ['/alerts?kind=fuzzy', 400, 'VALIDATION_FAILED'],
    ['/alerts?type=shoe-size', 400, 'VALIDATION_FAILED'],
    ['/alerts?node=NOT_A_NODE', 400, 'VALIDATION_FAILED'],
    ['/alerts?origin=a', 400, 'VALIDATION_FAILED'],
    ['/alerts?since=yesterday', 400, 'VALIDATION_FAILED'],
    ['/alerts?minSources=-1', 400, 'VALIDATION_FAILED'],
    ['/alerts?state=closed', 400, 'VALIDATION_FAILED'],
    ['/alerts?limit=1001', 400, 'VALIDATION_FAILED'],
    ['/alerts?extra=1', 400, 'VALIDATION_FAILED'],
    ['/alerts?cursor=not-a-cursor', 400, 'INVALID_CURSOR'],
    [`/alerts?cursor=${'x'.repeat(300)}`, 400, 'VALIDATION_FAILED'],
    ['/alerts/not-a-uuid', 400, 'VALIDATION_FAILED'],
    ['/alerts/0190a000-0000-7000-8000-00000000000a', 404, 'ALERT_NOT_FOUND'],
  ])('GET %s → %i %s', async (path, status, code) => {
    const res = await de.api('GET', path);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('an analyst acknowledges an alert: state acknowledged, audited once, still listed', async () => {
    const [alert] = await alertsWhere(nl, 'the iban alert', (a) => a.kind === 'exact' && a.type === 'iban');
    const ack = await nl.api('POST', `/alerts/${alert.id}/acknowledge`);
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect(ack.body).toMatchObject({ id: alert.id, state: 'acknowledged', sourceCount: alert.sourceCount });
    expect((await nl.api('POST', `/alerts/${alert.id}/acknowledge`)).status).toBe(200);
    expect(await listAll(nl, `/audit?action=alert.acknowledged&subjectId=${alert.id}`)).toHaveLength(1);
    expect((await listAll(nl, '/alerts?state=acknowledged', 'analyst')).map((a) => a.id)).toEqual([alert.id]);
    expect((await listAll(nl, '/alerts?state=open', 'analyst')).map((a) => a.id)).not.toContain(alert.id);
    expect((await nl.api('POST', `/alerts/${alert.id}/acknowledge`, { role: 'auditor' })).status).toBe(403);
    expect((await nl.api('POST', '/alerts/0190a000-0000-7000-8000-00000000000a/acknowledge')).body.error.code).toBe('ALERT_NOT_FOUND');
  });

  it('documents the routes and their query parameters in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${de.url}/api/docs-json`)).json()) as any;
    const list = doc.paths['/api/v1/alerts'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'kind', 'limit', 'minSources', 'node', 'origin', 'since', 'state', 'type']);
    expect(doc.paths['/api/v1/alerts/{id}'].get).toBeDefined();
    expect(doc.paths['/api/v1/alerts/{id}/acknowledge'].post).toBeDefined();
  });

  it('is read by analysts, policy officers and auditors only', async () => {
    expect((await de.api('GET', '/alerts', { role: 'admin' })).status).toBe(403);
    expect((await de.api('GET', '/alerts', { role: null })).status).toBe(401);
    for (const role of ['analyst', 'policy-officer', 'auditor'] as const) expect((await de.api('GET', '/alerts', { role })).status).toBe(200);
  });
});
