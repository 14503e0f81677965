import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedStreamName, feedSubject } from '@palermo/federation';
import type { IndicatorType, Tlp, WireIndicator } from '@palermo/indicators';
import { agree } from '../../apps/cli/src/agreements.setup';
import { loadNodeKeys } from '../../apps/node/src/keys/node-keys';
import { command, draft, outbound, publish } from './support/agreements.probes';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { bundleAt, signedBundle, wireIndicator } from './support/hostile.bundle-factory';
import { keyMaterial } from './support/hostile.cases';
import { RawNatsClient } from './support/hostile.nats-wire';
import { listAll, psql } from './support/hostile.node-io';
import { EXPORT_CASES, flows, grid, IMPORT_CASES, keptAs, onCommunityChain, sample, Tally, type AgreementCase } from './support/matrix.cases';

// Every TLP × indicator type × agreement state × direction, on real nodes, against an oracle that
// knows nothing of libs/policy (support/matrix.cases.ts).
//
// Export side: nl-police has agreements in every state (and two with narrower terms) with partners
// that exist only as pinned keys; it publishes one indicator per (type, TLP) through its API, and
// everything on each partner's subject (as nl-police lists it and as JetStream holds it) is checked.
// Import side: eight real nodes, each with its own agreement with nl-police in one state; each is sent
// one bundle per (type, TLP) on its own chain, correctly signed with nl-police's key (a publisher that
// ignores its own policy), and reads nl-police's community chain; what each node keeps is checked.

const A = 'nl-police';
const DAY = 86_400_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

let fed: Federation;
let nl: TestNode;
let nats: RawNatsClient;
/** Ids of nl-police's own indicators, per grid cell. */
let published: { id: string; type: IndicatorType; tlp: Tlp }[];
/** What was injected to every importing node (the same bundle content, on each node's own chain). */
let injected: { id: string; type: IndicatorType; tlp: Tlp; indicator: WireIndicator }[];
const injectedHash = new Map<string, string>();

/** Sets up `node`'s agreement with `c.partner` in state `c.state` through the API, four-eyes. */
async function setUp(node: TestNode, c: AgreementCase): Promise<void> {
  if (c.state === 'none') return;
  const terms = { directions: c.terms.directions, types: c.terms.types, maxTlp: c.terms.maxTlp, pseudonymize: c.terms.pseudonymize };
  if (c.state === 'draft') return void (await draft(node, c.partner, terms));
  const window =
    c.state === 'expired' ? { validFrom: iso(-2 * DAY), validUntil: iso(-DAY) } : c.state === 'not-yet-valid' ? { validFrom: iso(DAY), validUntil: null } : {};
  const { id } = await agree(node.party, c.partner, { ...terms, ...window });
  if (c.state === 'suspended') expect((await command(node, id, 'suspend', 'policy-officer', 'matrix')).status).toBe(200);
  if (c.state === 'terminated') expect((await command(node, id, 'terminate', 'policy-officer', 'matrix')).status).toBe(200);
  const shown = (await node.api('GET', `/agreements/${id}`, { role: 'auditor' })).body;
  expect(shown.effectiveState, `${node.nodeId} → ${c.partner}`).toBe(c.state);
}

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL', agreements: 'none' },
    ...IMPORT_CASES.map((c) => ({ nodeId: c.partner, jurisdiction: 'DE', agreements: 'none' as const })),
  ]);
  nl = fed.node(A);
  nats = await RawNatsClient.connect(fed.nats.url);

  // Export side: pin the key-only partners on nl-police, then its agreements with them.
  for (const c of EXPORT_CASES) {
    const key = await keyMaterial(c.partner, 'FR');
    const pin = await nl.api('POST', '/partners', { role: 'admin', body: { nodeId: c.partner, jurisdiction: 'FR', publicKey: key.armoredPublicKey, fingerprint: key.fingerprint } });
    expect(pin.status, JSON.stringify(pin.body)).toBe(201);
    await setUp(nl, c);
  }
  // Import side: each importer's own agreement with nl-police.
  for (const c of IMPORT_CASES) await setUp(fed.node(c.partner), { ...c, partner: A });

  // nl-police publishes the grid through its API; its exporter decides per audience.
  const cells = grid();
  const ids = await publish(
    nl,
    cells.map(({ type, tlp, n }) => ({ type, tlp, confidence: 80, tags: ['ht:recruitment'], ...sample(type, 'pub', n) })),
  );
  published = cells.map((c, i) => ({ id: ids[i]!, type: c.type, tlp: c.tlp }));

  // Import side: the grid again, as one bundle on each importer's own chain, signed with nl-police's key.
  const keys = await loadNodeKeys(nl.dataDir);
  injected = cells.map(({ type, tlp, n }) => {
    const { value, platform, chain } = sample(type, 'inj', n);
    const indicator = wireIndicator(A, { type, tlp, value, ...(platform ? { platform } : {}), ...(chain ? { chain } : {}) });
    return { id: indicator.id, type, tlp, indicator };
  });
  for (const c of IMPORT_CASES) {
    const bundle = bundleAt({ publisher: A, audience: c.partner, seq: 1, prev: null }, injected.map((i) => i.indicator));
    const msg = await signedBundle(bundle, keys.privateKey, keys.fingerprint);
    await nats.publish(feedSubject(A, c.partner), msg.payload, msg.headers);
    injectedHash.set(c.partner, msg.headers['Palermo-Hash']!);
  }
});

afterAll(async () => {
  await nats?.close();
  await fed?.stop();
});

const cell = (x: { type: string; tlp: string }) => `${x.type}/${x.tlp}`;

describe('export: nothing goes on a partner’s subject that its agreement does not allow', () => {
  it('every (type, TLP) × agreement state × terms, counted: zero leaks, zero missing', async () => {
    const open = ['all', ...EXPORT_CASES.filter((c) => c.state === 'active' && c.terms.directions.includes('export')).map((c) => c.partner)];
    // Drained: every indicator decided for every open audience, and every stored bundle published.
    await eventually('nl-police to decide and publish the grid for every audience', async () => {
      for (const p of published) {
        const audiences = new Set(((await nl.api('GET', `/indicators/${p.id}`, { role: 'auditor' })).body.exportDecisions ?? []).map((d: { audience: string }) => d.audience));
        if (!open.every((a) => audiences.has(a))) return false;
      }
      return (await listAll(nl, '/bundles?direction=out')).every((b) => b.publishedAt !== null);
    });

    const messages = await nats.streamMessages(feedStreamName(A));
    const tally = new Tally();
    const byId = new Map(published.map((p) => [p.id, p]));
    for (const c of [null, ...EXPORT_CASES]) {
      const audience = c?.partner ?? 'all';
      // As nl-police lists them (and serves their canonical bytes) …
      const listed = await outbound(nl, audience);
      const carried = new Set<string>();
      for (const b of listed) {
        const raw = JSON.parse((await (await fetch(`${nl.url}/api/v1/bundles/${b.hash}/raw`, { headers: { authorization: `Bearer ${nl.tokens.auditor}` } })).text()));
        expect(raw).toMatchObject({ publisher: A, audience });
        for (const e of raw.entries) if (e.op === 'upsert') carried.add(e.indicator.id);
      }
      // … and as JetStream holds them on the partner's subject (whoever put them there).
      const onWire = new Set<string>();
      for (const m of messages.filter((m) => m.subject === feedSubject(A, audience))) {
        for (const e of JSON.parse(m.data.toString('utf8')).entries) if (e.op === 'upsert') onWire.add(e.indicator.id);
      }
      expect([...onWire].sort(), `${audience}: JetStream vs nl-police's list`).toEqual([...carried].sort());
      for (const id of carried) if (!byId.has(id)) tally.leaks.push(`${audience}: unknown indicator ${id}`);
      for (const p of published) {
        const allowed = c ? flows(c, 'export', p.type, p.tlp) && !onCommunityChain(p.tlp) : onCommunityChain(p.tlp);
        // A CLEAR indicator rides on the community chain, which every partner reads: it is not repeated per partner.
        tally.check(`${audience} ${cell(p)}`, allowed, carried.has(p.id));
      }
      // Why not: every withheld decision names rules, and every refusal of a non-CLEAR indicator is the baseline's.
      if (c && c.state !== 'active') expect(listed, `${audience} (${c.state}) has no chain`).toEqual([]);
    }
    console.log(tally.line('export'));
    if (tally.leaks.length || tally.missing.length) console.log({ leaks: tally.leaks, missing: tally.missing });
    expect(tally.cases).toBe((EXPORT_CASES.length + 1) * published.length);
    expect(tally.leaks).toEqual([]);
    expect(tally.missing).toEqual([]);
  });

  it('each withheld indicator says why, with baseline ids for what the agreement or TLP forbids', async () => {
    for (const p of published) {
      const decisions = (await nl.api('GET', `/indicators/${p.id}`, { role: 'auditor' })).body.exportDecisions as { audience: string; action: string; reasons: string[] }[];
      for (const d of decisions) {
        expect(d.reasons.length, `${cell(p)} → ${d.audience}`).toBeGreaterThan(0);
        if (d.action === 'withhold') for (const r of d.reasons) expect(r, `${cell(p)} → ${d.audience}`).toMatch(/^baseline\./);
      }
    }
  });
});

describe('import: nothing is kept that the importer’s agreement does not allow', () => {
  it('every (type, TLP) × agreement state × terms, on each node’s own chain and on the community chain, counted: zero leaks, zero missing', async () => {
    const community = (await outbound(nl, 'all')).map((b) => b.hash);
    expect(community.length).toBeGreaterThan(0);
    const tally = new Tally();
    const reasonProblems: string[] = [];
    for (const c of IMPORT_CASES) {
      const node = fed.node(c.partner);
      const own = { ...c, partner: A };
      // Drained: the injected bundle and every community bundle of nl-police are recorded on the node.
      await eventually(`${c.partner} to record the injected bundle and nl-police's community chain`, async () => {
        const inbound = new Set((await listAll(node, `/bundles?direction=in&partner=${A}`)).map((b) => b.hash));
        return inbound.has(injectedHash.get(c.partner)!) && community.every((h) => inbound.has(h));
      });
      const kept = new Map((await listAll(node, `/indicators?origin=${A}`, 'analyst')).map((i) => [i.id, i]));
      for (const i of injected) {
        const allowed = flows(own, 'import', i.type, i.tlp);
        const held = kept.get(i.id);
        const asPseudonym = held ? held.value === null && typeof held.pseudonym === 'string' : false;
        const mustPseudonymize = keptAs(own, i.type) === 'pseudonym';
        tally.check(`${c.partner} own-chain ${cell(i)}`, allowed, !!held, { tooRevealing: !!held && mustPseudonymize && !asPseudonym, tooLittle: !!held && !mustPseudonymize && asPseudonym });
      }
      for (const p of published) {
        const allowed = onCommunityChain(p.tlp) && flows(own, 'import', p.type, p.tlp);
        tally.check(`${c.partner} community ${cell(p)}`, allowed, kept.has(p.id));
      }
      // Nothing beyond what the API shows is stored either.
      const [[rows]] = psql(node.database!.url, `select count(*) from indicator where origin_node = :'origin'`, { origin: A });
      const expectedRows = injected.filter((i) => flows(own, 'import', i.type, i.tlp)).length + published.filter((p) => onCommunityChain(p.tlp) && flows(own, 'import', p.type, p.tlp)).length;
      expect(Number(rows), `${c.partner}: indicator rows from ${A}`).toBe(expectedRows);
      // Every decision on the injected bundle names its rules: rejections the baseline's (the default
      // policy forbids nothing), a pseudonym the agreement's, an accept the default policy's.
      const decisions = (await node.api('GET', `/bundles/${injectedHash.get(c.partner)}/decisions`, { role: 'auditor' })).body.items as { originId: string; action: string; reasons: string[] }[];
      expect(decisions).toHaveLength(injected.length);
      for (const d of decisions) {
        const ok =
          d.action === 'reject'
            ? d.reasons.length > 0 && d.reasons.every((r) => r.startsWith('baseline.'))
            : d.action === 'accept-pseudonymized'
              ? d.reasons.includes('baseline.pseudonymize-agreed')
              : d.reasons.length > 0 && d.reasons.every((r) => r.startsWith('default.'));
        if (!ok) reasonProblems.push(`${c.partner} ${d.originId}: ${d.action} ${d.reasons.join(',')}`);
      }
    }
    console.log(tally.line('import'));
    if (tally.leaks.length || tally.missing.length) console.log({ leaks: tally.leaks, missing: tally.missing });
    expect(tally.cases).toBe(IMPORT_CASES.length * (injected.length + published.length));
    expect(tally.leaks).toEqual([]);
    expect(tally.missing).toEqual([]);
    expect(reasonProblems).toEqual([]);
  });
});
