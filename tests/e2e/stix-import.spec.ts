import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { tempDir } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityToStix, indicatorToStix, TLP_MARKING_DEFINITIONS } from '@palermo/interop';
import type { WireIndicator } from '@palermo/indicators';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import {
  bundle,
  domainPattern,
  emailPattern,
  identity,
  ImportRows,
  indicator,
  ipv4Pattern,
  postStix,
  sha256Pattern,
  stixId,
  TLP1_WHITE,
  TLP2,
  urlPattern,
  type Answer,
} from './support/stix-import.fixtures';

// POST /api/v1/stix/import (PostgreSQL): STIX 2.1 bundles become own indicators, all or nothing per
// file, idempotent by STIX id + modified. nl-police runs with a small heap, so the 100k-object file
// shows the import streams; be-police has a small body limit for the oversize case, and an agreement
// with lu-police: what it imports from STIX reaches lu-police over the federation.

const NL = 'nl-police';
const SMALL = 'be-police';
const LU = 'lu-police';
const SMALL_MAX_BYTES = 65_536;
const HEAP_MB = 128;
const SMALL_IDLE_MS = 3000;

let fed: Federation;
let nl: TestNode;
let small: TestNode;
let rows: ImportRows;

const serverErrors: string[] = [];
async function importStix(node: TestNode, body: Parameters<typeof postStix>[1], opts: Parameters<typeof postStix>[2] = {}): Promise<Answer> {
  const res = await postStix(node, body, opts);
  if (res.status >= 500) serverErrors.push(`${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res;
}

/** The own indicator with this value (revoked ones are not searchable: null). */
async function find(type: string, value: string): Promise<any | null> {
  const res = await nl.api('GET', `/indicators?type=${type}&value=${encodeURIComponent(value)}&origin=${NL}`);
  expect(res.status).toBe(200);
  return res.body.items[0] ?? null;
}

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: NL, jurisdiction: 'NL', agreements: 'none', env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } },
    { nodeId: SMALL, jurisdiction: 'BE', agreements: [{ partner: LU }], env: { PALERMO_STIX_IMPORT_MAX_BYTES: String(SMALL_MAX_BYTES), PALERMO_STIX_IMPORT_IDLE_MS: String(SMALL_IDLE_MS) } },
    { nodeId: LU, jurisdiction: 'LU', agreements: [{ partner: SMALL }] },
  ]);
  [nl, small] = [fed.node(NL), fed.node(SMALL)];
  rows = await ImportRows.open(nl);
});

afterAll(async () => {
  await rows?.close();
  await fed?.stop();
});

describe('a mixed STIX file', () => {
  const marked = indicator(emailPattern('Recruiter@Example.ORG'), { object_marking_refs: [TLP2.red], confidence: 80, labels: ['ht:recruitment'] });
  const objects = [
    identity(),
    { type: 'marking-definition', spec_version: '2.1', id: TLP2.red, created: '2022-10-01T00:00:00.000Z', definition_type: 'statement', definition: { statement: 'x' } },
    marked,
    indicator(domainPattern('escort-ads.example'), { object_marking_refs: [TLP1_WHITE] }),
    indicator(urlPattern('https://ads.example/girls?id=1')),
    indicator(ipv4Pattern('198.51.100.7'), { object_marking_refs: [TLP2.green, TLP2['amber+strict']] }),
    indicator(sha256Pattern('a'.repeat(64))),
    { type: 'relationship', spec_version: '2.1', id: stixId('relationship'), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', relationship_type: 'indicates', source_ref: marked.id, target_ref: stixId('malware') },
    indicator("[email-addr:value = 'a@example.org' OR email-addr:value = 'b@example.org']"),
    indicator(domainPattern('unknown-marking.example'), { object_marking_refs: [stixId('marking-definition')] }),
    indicator(emailPattern('not an e-mail')),
    'a string where an object belongs',
  ];
  let first: Answer;

  beforeAll(async () => {
    first = await importStix(nl, bundle(objects));
  });

  it('imports what maps, counts what carries no indicator and lists every failure with its reason', () => {
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ format: 'stix', dryRun: false, objects: objects.length });
    expect(first.body.counts).toEqual({ created: 5, updated: 0, unchanged: 0, revoked: 0, ignored: 3, failed: 4 });
    expect(first.body.ignoredByType).toEqual({ identity: 1, 'marking-definition': 1, relationship: 1 });
    expect(first.body.failures.map((f: any) => [f.index, f.code])).toEqual([
      [8, 'STIX_PATTERN_UNSUPPORTED'],
      [9, 'STIX_UNKNOWN_MARKING'],
      [10, 'EMAIL_INVALID'],
      [11, 'STIX_OBJECT_INVALID'],
    ]);
    expect(first.body.failures[0]).toMatchObject({ id: objects[8] && (objects[8] as any).id, type: 'indicator', reason: expect.any(String) });
  });

  it('stores them as own indicators: values normalized, TLP from the marking (TLP 1.0 white = clear, the stricter of two), else amber', async () => {
    expect(await find('email', 'recruiter@example.org')).toMatchObject({ own: true, tlp: 'red', confidence: 80, tags: ['ht:recruitment'], version: 1 });
    expect(await find('domain', 'escort-ads.example')).toMatchObject({ tlp: 'clear' });
    expect(await find('ip', '198.51.100.7')).toMatchObject({ tlp: 'amber+strict' });
    expect(await find('url', 'https://ads.example/girls?id=1')).toMatchObject({ tlp: 'amber' });
    expect(await find('file-sha256', 'a'.repeat(64))).toMatchObject({ tlp: 'amber' });
  });

  it('re-importing the same file changes nothing', async () => {
    const before = await rows.counts();
    const again = await importStix(nl, bundle(objects));
    expect(again.status).toBe(201);
    expect(again.body.counts).toMatchObject({ created: 0, updated: 0, unchanged: 5, failed: 4 });
    const after = await rows.counts();
    expect(after).toEqual({ ...before, audits: before.audits + 1 });
  });

  it('audits each import with the actor and its counts', async () => {
    const audit = await rows.lastAudit('stix.import');
    expect(audit).toMatchObject({ actor_name: 'e2e analyst', details: { counts: { unchanged: 5, failed: 4 } } });
  });

  it('reads TLP marking definitions the file defines (OpenCTI style) for the objects after them', async () => {
    const openctiGreen = { type: 'marking-definition', spec_version: '2.1', id: stixId('marking-definition'), created: '2024-01-01T00:00:00.000Z', definition_type: 'TLP', definition: 'TLP:GREEN', name: 'TLP:GREEN' };
    const statement = { type: 'marking-definition', spec_version: '2.1', id: stixId('marking-definition'), created: '2024-01-01T00:00:00.000Z', definition_type: 'statement', definition: { statement: 'Copyright NGO' } };
    const before = indicator(domainPattern('marked-before-definition.example'), { object_marking_refs: [openctiGreen.id] });
    const after = indicator(domainPattern('marked-by-file.example'), { object_marking_refs: [openctiGreen.id] });
    const byStatement = indicator(domainPattern('marked-by-statement.example'), { object_marking_refs: [statement.id] });
    const res = await importStix(nl, bundle([before, openctiGreen, statement, after, byStatement]));
    expect(res.body.counts).toMatchObject({ created: 1, ignored: 2, failed: 2 });
    expect(await find('domain', 'marked-by-file.example')).toMatchObject({ tlp: 'green' });
    // A marking must be defined before it is used (the file is read once); a statement may restrict: refused.
    expect(res.body.failures.map((f: any) => [f.id, f.code])).toEqual([
      [before.id, 'STIX_UNKNOWN_MARKING'],
      [byStatement.id, 'STIX_UNKNOWN_MARKING'],
    ]);
  });

  it('takes ?tlp= for unmarked objects and ?dryRun=true changes nothing', async () => {
    const obj = indicator(domainPattern('dry-run.example'));
    const dry = await importStix(nl, bundle([obj]), { query: 'tlp=green&dryRun=true' });
    expect(dry).toMatchObject({ status: 201, body: { dryRun: true, counts: { created: 1 } } });
    expect(await find('domain', 'dry-run.example')).toBeNull();
    const real = await importStix(nl, bundle([obj]), { query: 'tlp=green' });
    expect(real.body.counts.created).toBe(1);
    expect(await find('domain', 'dry-run.example')).toMatchObject({ tlp: 'green' });
  });
});

describe('versions of one STIX object', () => {
  it('a newer modified updates the indicator, an older or equal one is unchanged', async () => {
    const v1 = indicator(domainPattern('versions.example'), { confidence: 40 });
    expect((await importStix(nl, bundle([v1]))).body.counts.created).toBe(1);
    const v2 = { ...v1, modified: '2026-02-01T00:00:00.000Z', confidence: 90 };
    expect((await importStix(nl, bundle([v2]))).body.counts).toMatchObject({ updated: 1 });
    expect(await find('domain', 'versions.example')).toMatchObject({ confidence: 90, version: 2 });
    const older = { ...v1, modified: '2026-01-15T00:00:00.000Z', confidence: 10 };
    expect((await importStix(nl, bundle([older, v2]))).body.counts).toMatchObject({ unchanged: 2, updated: 0 });
    expect(await find('domain', 'versions.example')).toMatchObject({ confidence: 90, version: 2 });
  });

  it('both versions in one file: the later in the file wins only if newer', async () => {
    const v1 = indicator(domainPattern('same-file.example'), { confidence: 30 });
    const v2 = { ...v1, modified: '2026-03-01T00:00:00.000Z', confidence: 70 };
    const res = await importStix(nl, bundle([v1, v2, v1]));
    expect(res.body.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(await find('domain', 'same-file.example')).toMatchObject({ confidence: 70 });
  });

  it('a newer version naming another value revokes the old indicator and maps the STIX id to the new one', async () => {
    const v1 = indicator(emailPattern('old-value@example.org'));
    await importStix(nl, bundle([v1]));
    const oldId = (await find('email', 'old-value@example.org')).id;
    const v2 = { ...v1, modified: '2026-02-01T00:00:00.000Z', pattern: emailPattern('new-value@example.org') };
    const res = await importStix(nl, bundle([v2]));
    expect(res.body.counts).toMatchObject({ updated: 1, created: 0 });
    expect(await find('email', 'old-value@example.org')).toBeNull();
    const old = await nl.api('GET', `/indicators/${oldId}`);
    expect(old.body.indicator).toMatchObject({ revokedAt: expect.any(String), revokeReason: expect.stringContaining('now names another value') });
    expect(await find('email', 'new-value@example.org')).toMatchObject({ version: 1 });
    // The id now follows the new value: revoking it revokes the new indicator.
    const v3 = { ...v2, modified: '2026-03-01T00:00:00.000Z', revoked: true };
    expect((await importStix(nl, bundle([v3]))).body.counts).toMatchObject({ revoked: 1 });
    expect(await find('email', 'new-value@example.org')).toBeNull();
  });

  it('revoked: true revokes for good; older copies and newer unrevoked versions do not bring it back', async () => {
    const v1 = indicator(domainPattern('revoked.example'));
    await importStix(nl, bundle([v1]));
    const id = (await find('domain', 'revoked.example')).id;
    const revoked = { ...v1, modified: '2026-02-01T00:00:00.000Z', revoked: true };
    expect((await importStix(nl, bundle([revoked]))).body.counts).toMatchObject({ revoked: 1 });
    expect((await nl.api('GET', `/indicators/${id}`)).body.indicator.revokeReason).toContain('revoked by stix');
    expect((await importStix(nl, bundle([v1]))).body.counts).toMatchObject({ unchanged: 1, created: 0 });
    const later = { ...v1, modified: '2026-03-01T00:00:00.000Z' };
    const res = await importStix(nl, bundle([later]));
    expect(res.body.counts).toMatchObject({ failed: 1, created: 0 });
    expect(res.body.failures[0]).toMatchObject({ code: 'ALREADY_REVOKED', id: v1.id });
    expect(await find('domain', 'revoked.example')).toBeNull();
  });

  it('a revocation seen before any version is remembered: an older copy creates nothing', async () => {
    const v1 = indicator(domainPattern('revoked-first.example'));
    const revoked = { ...v1, modified: '2026-02-01T00:00:00.000Z', revoked: true };
    expect((await importStix(nl, bundle([revoked]))).body.counts).toMatchObject({ revoked: 1 });
    expect((await importStix(nl, bundle([v1]))).body.counts).toMatchObject({ unchanged: 1, created: 0 });
    expect(await find('domain', 'revoked-first.example')).toBeNull();
  });

  it('two STIX ids naming one value meet one indicator (and an analyst’s own indicator too)', async () => {
    const published = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'domain', value: 'shared-value.example', confidence: 20 }] } });
    expect(published.status).toBe(201);
    const a = indicator(domainPattern('shared-value.example'), { confidence: 20 });
    const b = indicator(domainPattern('SHARED-VALUE.example'), { confidence: 60 });
    const res = await importStix(nl, bundle([a, b]));
    // a widens firstSeen to its valid_from, b raises the confidence: two versions of one indicator.
    expect(res.body.counts).toMatchObject({ created: 0, updated: 2 });
    expect(await find('domain', 'shared-value.example')).toMatchObject({ id: published.body.items[0].id, confidence: 60 });
  });
});

describe('between Palermo nodes', () => {
  // One indicator of every type, as an analyst types them (the node normalizes).
  const published = [
    { type: 'phone', value: '06 12398765', tlp: 'green', confidence: 80, tags: ['ht:recruitment'], description: 'fake modelling job ads' },
    { type: 'email', value: 'Jobs.Abroad@Example.NL', tlp: 'green', confidence: 70, tags: ['ht:recruitment'] },
    { type: 'username', platform: 'telegram', value: '@EasyWorkRotterdam', tlp: 'amber', confidence: 75, tags: ['ht:labour'] },
    { type: 'url', value: 'https://escort-ads.example.com/listing?id=4242', tlp: 'clear', confidence: 90, tags: ['ht:sexual-exploitation'] },
    { type: 'domain', value: 'werk-abroad.example', tlp: 'green', confidence: 40, tags: ['ht:recruitment'], validUntil: '2027-01-01T00:00:00.000Z' },
    { type: 'ip', value: '2001:db8::4242', tlp: 'green', confidence: 65, tags: [] },
    { type: 'crypto-wallet', chain: 'btc', value: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', tlp: 'amber', confidence: 85, tags: ['ht:payment'] },
    { type: 'iban', value: 'NL91 ABNA 0417 1643 00', tlp: 'amber+strict', confidence: 90, tags: ['ht:payment'] },
    { type: 'keyword', value: 'new girls daily rotterdam', tlp: 'green', confidence: 55, tags: ['ht:sexual-exploitation'] },
    { type: 'text-fingerprint', value: 'simhash64:0123456789abcdef', tlp: 'green', confidence: 60, tags: [] },
    { type: 'image-hash', value: `pdq:${'ab'.repeat(32)}`, tlp: 'red', confidence: 60, tags: [] },
    { type: 'file-sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', tlp: 'clear', confidence: 95, tags: [] },
  ];
  const FIELDS = ['type', 'value', 'platform', 'chain', 'tlp', 'confidence', 'tags', 'firstSeen', 'lastSeen', 'validUntil', 'description'] as const;
  const pick = (record: any) => Object.fromEntries(FIELDS.map((f) => [f, record[f] ?? null]));

  /** nl-police's indicators of every type, published now, as STIX with nl's identity and the TLP definitions. */
  async function publishedAsStix(suffix: string) {
    const values = published.map((p) => (p.type === 'keyword' ? { ...p, value: `${p.value} ${suffix}` } : p.type === 'domain' ? { ...p, value: `${suffix}.${p.value}` } : p));
    const res = await nl.api('POST', '/indicators', { body: { indicators: values } });
    expect(res.status).toBe(201);
    const records = await Promise.all(res.body.items.map(async (item: { id: string }) => (await nl.api('GET', `/indicators/${item.id}`)).body.indicator));
    const wire = records.map((r: any): WireIndicator => ({ ...r, validUntil: r.validUntil, description: r.description ?? undefined, platform: r.platform ?? undefined, chain: r.chain ?? undefined }));
    const stix = [identityToStix({ nodeId: NL, jurisdiction: 'NL' }), ...Object.values(TLP_MARKING_DEFINITIONS), ...wire.map((w) => indicatorToStix(w))];
    return { records, stix };
  }
  const queryOf = (record: any, origin: string) =>
    `type=${record.type}&value=${encodeURIComponent(record.value)}&origin=${origin}${record.platform ? `&platform=${record.platform}` : ''}${record.chain ? `&chain=${record.chain}` : ''}`;

  it('refuses, per object, indicators another Palermo node published: they must come through its feed', async () => {
    const { records, stix } = await publishedAsStix('refused');
    const imported = await importStix(small, bundle(stix));
    expect(imported.status).toBe(201);
    expect(imported.body.counts).toMatchObject({ created: 0, failed: published.length, ignored: 1 + 5 });
    expect(imported.body.adopted).toBe(0);
    for (const failure of imported.body.failures) {
      expect(failure).toMatchObject({ code: 'STIX_FOREIGN_ORIGIN', type: 'indicator' });
      expect(failure.reason).toMatch(/"nl-police".*feed.*agreement, revocations and retention/);
    }
    for (const record of records) expect((await small.api('GET', `/indicators?${queryOf(record, SMALL)}`)).body.items).toEqual([]);
  });

  it('a STIX file exported by Palermo and imported into another Palermo node yields the same indicators (adopt=true), which it shares on as own', async () => {
    const { records, stix } = await publishedAsStix('adopted');
    const imported = await importStix(small, bundle(stix), { query: 'adopt=true' });
    expect(imported.status).toBe(201);
    expect(imported.body.counts).toMatchObject({ created: published.length, failed: 0, ignored: 1 + 5 });
    expect(imported.body).toMatchObject({ adopted: published.length, adoptedFrom: { [NL]: published.length } });

    for (const record of records) {
      const found = await small.api('GET', `/indicators?${queryOf(record, SMALL)}`);
      expect(found.body.items).toHaveLength(1);
      expect(pick(found.body.items[0])).toEqual(pick(record));
    }
    // Adopted indicators are be-police's own: the exporter sends them to lu-police under their agreement.
    const url = records.find((r: any) => r.type === 'url');
    await eventually('lu-police to hold be-police’s STIX import of the TLP:CLEAR url', async () => {
      const held = await fed.node(LU).api('GET', `/indicators?origin=${SMALL}&type=url&value=${encodeURIComponent(url.value)}`);
      return held.body.items.length === 1;
    });
  });

  it("a node's own export imported back maps onto its own indicators: nothing new, nothing changed", async () => {
    const { records, stix } = await publishedAsStix('roundtrip');
    const imported = await importStix(nl, bundle(stix));
    expect(imported.status).toBe(201);
    expect(imported.body.counts).toMatchObject({ created: 0, updated: 0, unchanged: published.length, failed: 0 });
    for (const record of records) {
      const found = (await nl.api('GET', `/indicators?${queryOf(record, NL)}`)).body.items;
      expect(found).toMatchObject([{ id: record.id, version: record.version }]);
    }
  });

  it('audits adopted objects with their origins', async () => {
    const fromDe: WireIndicator = {
      id: '01942220-5000-7000-8000-00000000a001',
      origin: 'de-bka',
      version: 1,
      type: 'domain',
      value: 'adopted-audit.example',
      tlp: 'green',
      confidence: 50,
      tags: [],
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-01T00:00:00.000Z',
      validUntil: null,
      modifiedAt: '2026-01-02T00:00:00.000Z',
    };
    const foreignNode = indicatorToStix(fromDe);
    const imported = await importStix(nl, bundle([foreignNode]), { query: 'adopt=true' });
    expect(imported.body).toMatchObject({ counts: { created: 1 }, adopted: 1, adoptedFrom: { 'de-bka': 1 } });
    expect(await rows.lastAudit('stix.import')).toMatchObject({ details: { adopted: 1, adoptedFrom: { 'de-bka': 1 } } });
  });
});

describe('imports and analysts at the same time', () => {
  it('an analyst publishing during an import meets the same indicator (own writes are serialized)', async () => {
    const objects = Array.from({ length: 3000 }, (_, i) => indicator(domainPattern(`concurrent-${i}.example`)));
    const importing = importStix(nl, bundle(objects));
    await new Promise((r) => setTimeout(r, 100));
    const posted = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'domain', value: 'concurrent-2999.example' }] } });
    const done = await importing;
    expect(posted.status).toBe(201);
    const c = done.body.counts;
    expect(c.created + c.updated + c.unchanged).toBe(3000);
    expect((await nl.api('GET', `/indicators?type=domain&value=concurrent-2999.example&origin=${NL}`)).body.items).toHaveLength(1);
  });
});

describe('a slow upload holds no lock', () => {
  /** A bundle sent a few objects at a time, `pauseMs` apart; `sent` says when the last byte left. */
  function trickle(objects: object[], perChunk: number, pauseMs: number, state: { done: boolean }) {
    async function* chunks() {
      yield new TextEncoder().encode('{"type":"bundle","id":"bundle--0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5","objects":[');
      for (let i = 0; i < objects.length; i += perChunk) {
        await new Promise((r) => setTimeout(r, pauseMs));
        const part = objects.slice(i, i + perChunk).map((o) => JSON.stringify(o)).join(',');
        yield new TextEncoder().encode(i === 0 ? part : `,${part}`);
      }
      yield new TextEncoder().encode(']}');
      state.done = true;
    }
    return Readable.toWeb(Readable.from(chunks())) as ReadableStream<Uint8Array>;
  }

  it('POST /indicators and a partner bundle import complete while a trickled STIX upload is still in progress', async () => {
    const objects = Array.from({ length: 40 }, (_, i) => indicator(domainPattern(`slow-${i}.example`)));
    const upload = { done: false };
    // ~10 s of upload, the first objects (and so, before the fix, the first batch and the locks) early.
    const importing = importStix(small, trickle(objects, 2, 500, upload));
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    const posted = await small.api('POST', '/indicators', { body: { indicators: [{ type: 'domain', value: 'during-slow-upload.example' }] } });
    expect(posted.status).toBe(201);
    expect(upload.done).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    // lu-police publishes; be-police imports its bundle over the federation while the upload goes on.
    const fromLu = await fed.node(LU).api('POST', '/indicators', { body: { indicators: [{ type: 'domain', value: 'lu-during-slow-upload.example', tlp: 'green' }] } });
    expect(fromLu.status).toBe(201);
    await eventually('be-police to import lu-police’s bundle during the upload', async () => {
      const held = await small.api('GET', `/indicators?origin=${LU}&type=domain&value=lu-during-slow-upload.example`);
      return held.body.items.length === 1;
    });
    const partnerImportedDuringUpload = !upload.done;
    const done = await importing;
    expect(done.status).toBe(201);
    expect(done.body.counts).toMatchObject({ created: 40, failed: 0 });
    expect(partnerImportedDuringUpload).toBe(true);
  }, 60_000);

  it('an upload that sends no byte for PALERMO_STIX_IMPORT_IDLE_MS is refused with 408 IMPORT_BODY_IDLE and changes nothing', async () => {
    const before = (await small.api('GET', '/indicators?type=domain&value=idle-0.example')).body.items;
    async function* stalled() {
      yield new TextEncoder().encode(`{"type":"bundle","objects":[${JSON.stringify(indicator(domainPattern('idle-0.example')))}`);
      await new Promise((r) => setTimeout(r, SMALL_IDLE_MS + 3000));
      yield new TextEncoder().encode(']}');
    }
    const started = Date.now();
    const res = await importStix(small, Readable.toWeb(Readable.from(stalled())) as ReadableStream<Uint8Array>);
    expect(res).toMatchObject({ status: 408, body: { error: { code: 'IMPORT_BODY_IDLE' } } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SMALL_IDLE_MS - 100);
    expect(before).toEqual([]);
    expect((await small.api('GET', '/indicators?type=domain&value=idle-0.example')).body.items).toEqual([]);
  }, 30_000);
});

describe('one oversize object', () => {
  it('fails the whole file with 413 STIX_OBJECT_TOO_LARGE and its position; nothing is stored', async () => {
    const before = await rows.counts();
    const head = indicator(domainPattern('before-giant.example'));
    const giant = { ...indicator(domainPattern('giant.example')), description: 'x'.repeat(1100 * 1024) };
    const res = await importStix(nl, bundle([head, giant]));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'STIX_OBJECT_TOO_LARGE', details: { position: { byte: expect.any(Number), line: expect.any(Number) } } });
    expect(res.body.error.message).toContain('object #1');
    expect(await rows.counts()).toEqual(before);
  });
});

describe('files that change nothing', () => {
  const head = () => indicator(domainPattern(`head-${Math.random().toString(36).slice(2)}.example`));

  it.each<[string, () => string, number, string]>([
    ['malformed JSON', () => `{"type":"bundle","objects":[${JSON.stringify(head())}, {"type": }]}`, 400, 'STIX_MALFORMED'],
    ['a truncated file', () => bundle([head(), head()]).slice(0, -40), 400, 'STIX_MALFORMED'],
    ['a deeply nested object', () => `{"type":"bundle","objects":[${JSON.stringify(head())},${'['.repeat(200)}${']'.repeat(200)}]}`, 400, 'STIX_TOO_DEEP'],
    ['a top level that is not a bundle', () => JSON.stringify({ type: 'report', objects: [head()] }), 400, 'STIX_NOT_A_BUNDLE'],
    ['a top-level array', () => JSON.stringify([head()]), 400, 'STIX_NOT_A_BUNDLE'],
    ['no type at all', () => JSON.stringify({ objects: [head()] }), 400, 'STIX_NOT_A_BUNDLE'],
    ['an empty body', () => '', 400, 'STIX_MALFORMED'],
  ])('refuses %s with a code and a position, and stores none of the objects before the fault', async (_name, body, status, code) => {
    const before = await rows.counts();
    const res = await importStix(nl, body());
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, details: { position: { byte: expect.any(Number), line: expect.any(Number) } } });
    expect(await rows.counts()).toEqual(before);
  });

  it('refuses a file over PALERMO_STIX_IMPORT_MAX_BYTES with 413 STIX_TOO_LARGE, even streamed as JSON', async () => {
    const objects = Array.from({ length: 400 }, (_, i) => indicator(domainPattern(`too-large-${i}.example`)));
    const text = bundle(objects);
    expect(text.length).toBeGreaterThan(SMALL_MAX_BYTES);
    const res = await importStix(small, text, { contentType: 'application/json' });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'STIX_TOO_LARGE', details: { position: { byte: expect.any(Number), line: expect.any(Number) } } });
    const search = await small.api('GET', '/indicators?type=domain&value=too-large-0.example');
    expect(search.body.items).toEqual([]);
    // 8 MB streamed in chunks: the node discards the rest of the upload, the client reads the 413.
    const chunks = Array.from({ length: 128 }, () => new TextEncoder().encode(' '.repeat(65_536)));
    const streamed = await importStix(small, Readable.toWeb(Readable.from([new TextEncoder().encode('{"type":"bundle","objects":['), ...chunks])) as ReadableStream<Uint8Array>);
    expect(streamed).toMatchObject({ status: 413, body: { error: { code: 'STIX_TOO_LARGE' } } });
  });

  it.each([
    ['text/plain', {}],
    ['application/xml', {}],
    ['application/stix+json;version=2.1', { 'content-encoding': 'gzip' }],
  ])('refuses content type %s %j with 415', async (contentType, headers) => {
    const res = await importStix(nl, bundle([head()]), { contentType, headers });
    expect(res).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
  });

  it('is refused to auditors (403) and to callers without a token (401); admins may import', async () => {
    expect((await importStix(nl, bundle([head()]), { role: 'auditor' })).status).toBe(403);
    expect((await importStix(nl, bundle([head()]), { role: null })).status).toBe(401);
    expect((await importStix(nl, bundle([head()]), { role: 'admin' })).status).toBe(201);
  });

  it.each(['tlp=purple', 'dryRun=maybe', 'colour=red'])('refuses the query %s with 400', async (query) => {
    expect((await importStix(nl, bundle([head()]), { query })).body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('hostile objects', () => {
  it('reports each hostile object as a failure, imports the rest, and never echoes a huge value', async () => {
    const good = indicator(domainPattern('hostile-neighbour.example'));
    const badLabels = indicator(domainPattern('labels.example'), { labels: ['Not A Tag!', 'ht:recruitment'] });
    const objects = [
      indicator(emailPattern('\u202Egro.elpmaxe@xxx')),
      indicator(domainPattern('nul\u0000.example')),
      indicator(domainPattern('x'.repeat(100_000) + '.example')),
      indicator(domainPattern('desc.example'), { description: 'a\u0000b' }),
      indicator(domainPattern('conf.example'), { confidence: 1000 }),
      { ...indicator(domainPattern('bad-id.example')), id: 'indicator--not-a-uuid' },
      { ...indicator(domainPattern('bad-modified.example')), modified: 'yesterday' },
      JSON.parse('{"__proto__": {"admin": true}, "type": "indicator"}'),
      { type: 'x'.repeat(10_000), id: 'y'.repeat(10_000) },
      null,
      good,
      badLabels,
    ];
    const res = await importStix(nl, bundle(objects));
    expect(res.status).toBe(201);
    expect(res.body.counts).toMatchObject({ created: 2, failed: objects.length - 2 });
    expect(res.body.failures).toHaveLength(objects.length - 2);
    expect(JSON.stringify(res.body).length).toBeLessThan(16_000);
    expect(await find('domain', 'hostile-neighbour.example')).not.toBeNull();
    // A label that is no Palermo tag is dropped with a warning; the indicator is kept.
    expect(res.body.warnings).toContainEqual(expect.objectContaining({ id: badLabels.id, message: expect.stringContaining('Not A Tag!') }));
    expect(await find('domain', 'labels.example')).toMatchObject({ tags: ['ht:recruitment'] });
  });

  it('caps the listed failures at 100 and still counts them all', async () => {
    const objects = Array.from({ length: 250 }, () => indicator("[x-unknown:value = 'x']"));
    const res = await importStix(nl, bundle(objects));
    expect(res.body.counts.failed).toBe(250);
    expect(res.body.failures).toHaveLength(100);
  });
});

describe('a 100k-object bundle on a node with a small heap', () => {
  it(`streams: imports 100,000 indicators with --max-old-space-size=${HEAP_MB}`, { timeout: 900_000 }, async () => {
    const dir = tempDir('stix-100k-');
    const file = join(dir, 'bundle.json');
    const out = createWriteStream(file);
    out.write(`{"type":"bundle","id":"${stixId('bundle')}","objects":[`);
    for (let i = 0; i < 100_000; i++) {
      const obj = indicator(emailPattern(`user${i}@bulk.example`), { labels: ['bulk:100k'], description: `bulk indicator number ${i} of a large STIX file. ${FILLER}` });
      if (!out.write(`${i ? ',' : ''}${JSON.stringify(obj)}`)) await once(out, 'drain');
    }
    out.end(']}');
    await once(out, 'finish');
    const size = statSync(file).size;
    // Half the node's heap as text: the body string plus the objects JSON.parse would make of it do not fit.
    expect(size).toBeGreaterThan((HEAP_MB / 2) * 1024 * 1024);
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    const started = Date.now();
    const res = await importStix(nl, body);
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRss(nl);
    process.stderr.write(`stix-import 100k: ${(size / 1048576).toFixed(1)} MiB in ${seconds.toFixed(1)} s, node peak RSS ${peak} kB\n`);
    expect(res.status).toBe(201);
    expect(res.body.counts).toMatchObject({ created: 100_000, failed: 0 });
    const probe = await nl.api('GET', '/indicators?type=email&value=user99999@bulk.example');
    expect(probe.body.items).toHaveLength(1);
    expect(nl.process.running).toBe(true);
  });
});

const FILLER = 'Advertised on several classified sites with the same phone number and the same photographs; '.repeat(4);

function peakRss(node: TestNode): string {
  try {
    return /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${node.process.pid}/status`, 'utf8'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

afterAll(() => {
  expect(serverErrors).toEqual([]);
});
