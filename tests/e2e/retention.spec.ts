import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holds, publish } from './support/agreements.probes';
import { StoredRows } from './support/faults.stored-rows';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { listAll } from './support/hostile.node-io';

// de-bka's agreement with nl-police keeps what it imports for one day (phone numbers as pseudonyms
// only). A day cannot be waited for: the expiry the importer sets is checked against the clock, then
// moved into the past in de-bka's database (the one write a suite makes there), and the scheduled
// purge (every second here) and an admin's purge run must delete exactly the expired imports.

const A = 'nl-police';
const B = 'de-bka';
const DAY = 86_400_000;
const MINUTE = 60_000;

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let rows: StoredRows;

const PHONE = '+31612398745';
const EMAIL = 'retention.amber@example.org';
const DOMAIN = 'retention-clear.example';
let ids: { phone: string; email: string; domain: string; own: string };
let hashes: { partnerChain: string; community: string };
let importedAt: number;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE', agreements: [{ partner: A, terms: { retentionDays: 1, pseudonymize: ['phone'] } }], env: { PALERMO_PURGE_INTERVAL_MS: '1000' } },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
  rows = await StoredRows.open(de);
  const [phone, email, domain] = await publish(nl, [
    { type: 'phone', value: PHONE, tlp: 'green', confidence: 90 },
    { type: 'email', value: EMAIL, tlp: 'amber', confidence: 90 },
    { type: 'domain', value: DOMAIN, tlp: 'clear', confidence: 90 },
  ]);
  const [own] = await publish(de, [{ type: 'email', value: 'de-bka-own@example.org', tlp: 'amber', confidence: 90 }]);
  ids = { phone: phone!, email: email!, domain: domain!, own: own! };
  for (const id of [phone!, email!, domain!]) await eventually(`${B} to import ${id}`, () => holds(de, id));
  importedAt = Date.now();
  const bundleOf = async (id: string) => (await de.api('GET', `/indicators/${id}`, { role: 'auditor' })).body.bundleHash as string;
  hashes = { partnerChain: await bundleOf(phone!), community: await bundleOf(domain!) };
  expect(await bundleOf(email!)).toBe(hashes.partnerChain);
});

afterAll(async () => {
  await rows?.close();
  await fed?.stop();
});

const purges = async () => listAll(de, '/retention/purges', 'auditor');

describe('imported indicators expire as the agreement says', () => {
  it('each import, and the bundle that brought it, expires one day after it was received (±1 min); own indicators never', async () => {
    for (const id of [ids.phone, ids.email, ids.domain]) {
      const shown = (await de.api('GET', `/indicators/${id}`, { role: 'auditor' })).body;
      expect(Math.abs(Date.parse(shown.indicator.expiresAt) - (importedAt + DAY)), `${id} expiresAt ${shown.indicator.expiresAt}`).toBeLessThan(MINUTE);
      expect(Math.abs(Date.parse(shown.indicator.expiresAt) - (Date.parse(shown.decision.decidedAt) + DAY))).toBeLessThan(MINUTE);
    }
    for (const hash of Object.values(hashes)) {
      const bundle = (await de.api('GET', `/bundles/${hash}`, { role: 'auditor' })).body;
      expect(Math.abs(Date.parse(bundle.expiresAt) - (Date.parse(bundle.receivedAt) + DAY)), `bundle ${hash} expiresAt`).toBeLessThan(MINUTE);
    }
    expect((await de.api('GET', `/indicators/${ids.own}`, { role: 'auditor' })).body.indicator.expiresAt).toBeNull();
    // On nl-police, its own indicators have no expiry either.
    expect((await nl.api('GET', `/indicators/${ids.phone}`, { role: 'auditor' })).body.indicator.expiresAt).toBeNull();
  });

  it('purge runs while nothing has expired record nothing: no purge entry, nothing deleted', async () => {
    // The schedule runs every second: give it a few runs, then run it once more by hand.
    await new Promise((r) => setTimeout(r, 3_000));
    const manual = await de.api('POST', '/retention/purge', { role: 'admin' });
    expect(manual.status, JSON.stringify(manual.body)).toBe(200);
    expect(manual.body).toMatchObject({ indicators: 0, bundlesRedacted: 0, quarantineCleared: 0, byPublisher: {} });
    expect(await purges()).toEqual([]);
    for (const id of Object.values(ids)) expect(await holds(de, id), id).toBe(true);
    expect((await de.api('POST', '/retention/purge', { role: 'policy-officer' })).status).toBe(403);
  });
});

describe('the scheduled purge, once the retention ran out', () => {
  it('deletes the expired imports (value and pseudonym), redacts the expired bundle, keeps the rest, and records counts without values', async () => {
    // Time travel: the phone (kept as a pseudonym) and the email expired a minute ago, with their bundle.
    expect(await rows.expireNow([ids.phone, ids.email], [hashes.partnerChain])).toEqual({ indicators: 2, bundles: 1 });
    const pseudonym = (await de.api('GET', `/indicators/${ids.phone}`, { role: 'auditor' })).body.indicator.pseudonym as string;
    expect(pseudonym).toMatch(/^hmac-sha256:/);

    const [entry] = await eventually('the scheduled purge to record a purge', async () => {
      const list = await purges();
      return list.length > 0 && list;
    }, 15_000);
    expect(entry).toMatchObject({ action: 'retention.purge', actor: null, details: { indicators: 2, byPublisher: { [A]: 2 } } });
    for (const secret of [PHONE, EMAIL, pseudonym, '612398745']) expect(JSON.stringify(entry)).not.toContain(secret);

    for (const id of [ids.phone, ids.email]) expect((await de.api('GET', `/indicators/${id}`, { role: 'auditor' })).status, id).toBe(404);
    expect(await rows.indicatorRowsHolding([ids.phone, ids.email, PHONE, EMAIL, pseudonym])).toBe(0);
    const search = await de.api('GET', `/indicators?type=phone&value=${encodeURIComponent(PHONE)}`);
    expect(search.body.items).toEqual([]);
    // Still there: the unexpired import, the node's own indicator; nl-police's copies are its own business.
    expect(await holds(de, ids.domain)).toBe(true);
    expect(await holds(de, ids.own)).toBe(true);
    for (const id of [ids.phone, ids.email]) expect(await holds(nl, id)).toBe(true);
    // The decisions stay as the record of what was received (they never held the value).
    const decisions = (await de.api('GET', `/bundles/${hashes.partnerChain}/decisions`, { role: 'auditor' })).body.items;
    expect(decisions.map((d: { originId: string }) => d.originId).sort()).toEqual([ids.phone, ids.email].sort());
  });
});

describe('an admin’s purge run', () => {
  it('deletes the next expired import at once, redacts its bundle’s bytes, never touches own indicators, and the purges list the counts', async () => {
    const before = (await purges()).length;
    // Even an own indicator with an expiry in the past is not the purge's to delete.
    expect(await rows.expireNow([ids.domain, ids.own], [hashes.community])).toEqual({ indicators: 2, bundles: 1 });
    expect((await de.api('GET', `/bundles/${hashes.community}/raw`, { role: 'auditor' })).status).toBe(200);
    const ran = await de.api('POST', '/retention/purge', { role: 'admin' });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    // The scheduled run may have got there first; either way exactly one purge did it.
    await eventually(`${B} to have purged ${ids.domain}`, async () => !(await holds(de, ids.domain)), 15_000);
    const recorded = (await purges()).slice(0, (await purges()).length - before);
    expect(recorded.reduce((n: number, p: any) => n + p.details.indicators, 0)).toBe(1);
    expect(recorded.reduce((n: number, p: any) => n + p.details.bundlesRedacted, 0)).toBe(1);
    expect(await holds(de, ids.own)).toBe(true);
    expect((await de.api('GET', `/indicators/${ids.own}`)).body.indicator).toMatchObject({ value: 'de-bka-own@example.org', own: true });
    const raw = await de.api('GET', `/bundles/${hashes.community}/raw`, { role: 'auditor' });
    expect(raw).toMatchObject({ status: 410, body: { error: { code: 'BUNDLE_BYTES_NOT_KEPT' } } });
    // The bundle record itself (hash, signature, chain position) stays: what was received remains provable.
    expect((await de.api('GET', `/bundles/${hashes.community}`, { role: 'auditor' })).status).toBe(200);
    expect((await de.api('GET', `/bundles/${hashes.community}/signature`, { role: 'auditor' })).status).toBe(200);
  });
});
