import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.run';
import { bootFederation, type Federation, type TestNode } from './support/federation.harness';
import { bundle, domainPattern, ImportRows, indicator } from './support/stix-import.fixtures';

// POST /api/v1/misp/import and the `palermo misp import` / `palermo stix import` commands. The event
// is shaped like MISP's own JSON export (GET /events/view/<id>): an `Event` with `Tag`, `Attribute`
// and `Object[].Attribute`, numbers and booleans as MISP writes them.

const NL = 'nl-police';

let fed: Federation;
let nl: TestNode;
let rows: ImportRows;
const serverErrors: string[] = [];

type Attr = Record<string, unknown>;
const attr = (type: string, value: string, extra: Attr = {}): Attr => ({
  id: String(Math.floor(Math.random() * 1e6)),
  uuid: randomUUID(),
  type,
  category: 'Network activity',
  value,
  to_ids: true,
  distribution: '5',
  timestamp: '1767225600',
  deleted: false,
  comment: '',
  Tag: [],
  ...extra,
});

function mixedEvent() {
  const mappable = [
    attr('phone-number', '+31 6 12345678', { category: 'Person' }),
    attr('email-src', 'Recruiter@Jobs-Abroad.example'),
    attr('url', 'https://ads.example/escort?id=42'),
    attr('domain', 'jobs-abroad.example'),
    attr('ip-dst', '203.0.113.9', { Tag: [{ name: 'tlp:red' }] }),
    attr('btc', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', { category: 'Financial fraud' }),
    attr('iban', 'NL91ABNA0417164300', { category: 'Financial fraud' }),
    attr('sha256', 'b'.repeat(64), { category: 'Payload delivery' }),
  ];
  const unmappable = [attr('malware-sample', 'x.exe|' + 'c'.repeat(32)), attr('yara', 'rule x { condition: true }'), attr('vulnerability', 'CVE-2024-0001')];
  const deleted = attr('email-dst', 'deleted@example.org', { deleted: true });
  const inObject = attr('domain', 'object-domain.example');
  const event = {
    Event: {
      id: '1234',
      uuid: randomUUID(),
      info: 'Recruitment ring: fake job ads',
      date: '2026-01-01',
      distribution: '1',
      published: false,
      timestamp: '1767225600',
      Orgc: { id: '1', name: 'Example NGO', uuid: randomUUID() },
      Tag: [{ name: 'tlp:amber' }, { name: 'ht:recruitment' }],
      Attribute: [...mappable, ...unmappable, deleted],
      Object: [{ id: '7', name: 'domain-ip', uuid: randomUUID(), meta_category: 'network', Attribute: [inObject] }],
    },
  };
  return { event, mappable: [...mappable, inObject], unmappable, deleted };
}

async function importMisp(body: unknown, query = '', role: 'analyst' | 'auditor' | 'admin' = 'analyst') {
  const res = await nl.api('POST', `/misp/import${query}`, typeof body === 'string' ? { rawBody: body, role } : { body, role });
  if (res.status >= 500) serverErrors.push(`${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res;
}

beforeAll(async () => {
  fed = await bootFederation([{ nodeId: NL, jurisdiction: 'NL', agreements: 'none' }]);
  nl = fed.node(NL);
  rows = await ImportRows.open(nl);
});

afterAll(async () => {
  await rows?.close();
  await fed?.stop();
  expect(serverErrors).toEqual([]);
});

describe('POST /misp/import', () => {
  it('imports the mappable attributes of a mixed event and reports the rest, each with a reason', async () => {
    const { event, mappable, unmappable, deleted } = mixedEvent();
    const res = await importMisp(event);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ format: 'misp', event: { uuid: event.Event.uuid, info: 'Recruitment ring: fake job ads' } });
    expect(res.body.counts).toMatchObject({ created: mappable.length, failed: 0 });
    const skipped = new Map<string, any>(res.body.skipped.map((s: any) => [s.uuid, s]));
    for (const a of [...unmappable, deleted]) expect(skipped.get(a.uuid as string)).toMatchObject({ code: expect.any(String), reason: expect.any(String) });
    expect(res.body.skippedTotal).toBe(unmappable.length + 1);

    const phone = await nl.api('GET', '/indicators?type=phone&value=%2B31612345678');
    expect(phone.body.items[0]).toMatchObject({ own: true, tlp: 'amber', tags: expect.arrayContaining(['ht:recruitment']) });
    const ip = await nl.api('GET', '/indicators?type=ip&value=203.0.113.9');
    expect(ip.body.items[0]).toMatchObject({ tlp: 'red' });
    const objectDomain = await nl.api('GET', '/indicators?type=domain&value=object-domain.example');
    expect(objectDomain.body.items).toHaveLength(1);
    const deletedOne = await nl.api('GET', '/indicators?type=email&value=deleted@example.org');
    expect(deletedOne.body.items).toEqual([]);
  });

  it('is idempotent: the same event again changes nothing; a newer attribute timestamp updates, an older one does not', async () => {
    const { event } = mixedEvent();
    await importMisp(event);
    const before = await rows.counts();
    const again = await importMisp(event);
    expect(again.body.counts).toMatchObject({ created: 0, updated: 0, unchanged: 9 });
    expect((await rows.counts()).own).toBe(before.own);

    const email = event.Event.Attribute[1]!;
    const newer = structuredClone(event);
    Object.assign(newer.Event.Attribute[1]!, { timestamp: '1767312000', comment: 'seen again in February' });
    expect((await importMisp(newer)).body.counts).toMatchObject({ updated: 1 });
    const older = structuredClone(event);
    Object.assign(older.Event.Attribute[1]!, { timestamp: '1767000000', comment: 'an older copy' });
    expect((await importMisp(older)).body.counts).toMatchObject({ updated: 0 });
    const stored = await nl.api('GET', `/indicators?type=email&value=${encodeURIComponent(String(email.value).toLowerCase())}`);
    expect(stored.body.items[0]).toMatchObject({ description: 'seen again in February' });
  });

  it('an attribute deleted in MISP revokes the indicator an earlier import of it created (two versions of one event)', async () => {
    const kept = attr('domain', 'kept-after-delete.example');
    const removed = attr('domain', 'false-positive.example', { timestamp: '1767225600' });
    const neverImported = attr('domain', 'deleted-from-the-start.example', { deleted: true });
    const v1 = { Event: { uuid: randomUUID(), info: 'v1', date: '2026-01-01', timestamp: '1767225600', Attribute: [kept, removed] } };
    expect((await importMisp(v1)).body.counts).toMatchObject({ created: 2, revoked: 0 });
    // Version 2: the analyst deleted the false positive in MISP (soft delete bumps its timestamp).
    const v2 = structuredClone(v1);
    Object.assign(v2.Event, { info: 'v2', timestamp: '1767312000' });
    Object.assign(v2.Event.Attribute[1]!, { deleted: true, timestamp: '1767312000' });
    v2.Event.Attribute.push(neverImported);
    const res = await importMisp(v2);
    expect(res.status).toBe(201);
    expect(res.body.counts).toMatchObject({ created: 0, unchanged: 1, revoked: 1, failed: 0 });
    expect(res.body.skipped.filter((s: any) => s.code === 'MISP_DELETED').map((s: any) => s.uuid).sort()).toEqual([removed.uuid, neverImported.uuid].sort());
    expect((await nl.api('GET', '/indicators?type=domain&value=false-positive.example')).body.items).toEqual([]);
    expect((await nl.api('GET', '/indicators?type=domain&value=kept-after-delete.example')).body.items).toHaveLength(1);
    // The revocation holds: the old version of the event does not bring it back; v2 again changes nothing.
    expect((await importMisp(v1)).body.counts).toMatchObject({ created: 0, updated: 0 });
    expect((await importMisp(v2)).body.counts).toMatchObject({ created: 0, updated: 0, revoked: 0 });
    expect((await nl.api('GET', '/indicators?type=domain&value=false-positive.example')).body.items).toEqual([]);
  });

  it('attributes without a timestamp take the event’s (MISP_NO_TIMESTAMP); importing twice changes nothing', async () => {
    const bare = attr('domain', 'no-timestamp.example');
    delete bare.timestamp;
    const reused = attr('domain', 'no-timestamp-2.example');
    delete reused.timestamp;
    const ev = { Event: { uuid: randomUUID(), info: 'no timestamps', date: '2026-01-01', publish_timestamp: '1767225600', Attribute: [bare, reused] } };
    const first = await importMisp(ev);
    expect(first.body.counts).toMatchObject({ created: 2 });
    expect(first.body.mispWarnings.filter((w: any) => w.code === 'MISP_NO_TIMESTAMP').map((w: any) => w.uuid).sort()).toEqual([bare.uuid, reused.uuid].sort());
    const before = await rows.counts();
    const second = await importMisp(ev);
    expect(second.body.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2, revoked: 0 });
    // Even an attribute uuid re-used with another value is no newer version without a newer timestamp.
    const changed = structuredClone(ev);
    changed.Event.Attribute[1]!.value = 'no-timestamp-other.example';
    expect((await importMisp(changed)).body.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2, revoked: 0 });
    expect((await nl.api('GET', '/indicators?type=domain&value=no-timestamp-2.example')).body.items).toHaveLength(1);
    const after = await rows.counts();
    expect(after.own).toBe(before.own);
  });

  it('?dryRun=true reports and changes nothing', async () => {
    const { event } = mixedEvent();
    const domain = event.Event.Attribute[3]!;
    domain.value = 'dry-run-misp.example';
    const before = await rows.counts();
    const res = await importMisp(event, '?dryRun=true');
    expect(res.body).toMatchObject({ dryRun: true });
    expect(res.body.counts.created).toBeGreaterThanOrEqual(1);
    expect(await rows.counts()).toEqual(before);
  });

  it.each<[string, unknown, number, string]>([
    ['not an event', { hello: 'world' }, 400, 'MISP_MALFORMED'],
    ['an event without uuid', { Event: { info: 'x', Attribute: [] } }, 400, 'MISP_MALFORMED'],
    ['a list of events', [{ Event: { uuid: randomUUID() } }], 400, 'MISP_MALFORMED'],
    ['malformed JSON', '{"Event": {', 400, 'MALFORMED_JSON'],
    ['a JSON string', '"Event"', 400, 'MALFORMED_JSON'],
  ])('refuses %s', async (_name, body, status, code) => {
    const res = await importMisp(body);
    expect(res).toMatchObject({ status, body: { error: { code } } });
  });

  it('refuses a body over 16 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await importMisp(JSON.stringify({ Event: { uuid: randomUUID(), info: 'x'.repeat(17 * 1024 * 1024) } }));
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('refuses auditors', async () => {
    expect((await importMisp(mixedEvent().event, '', 'auditor')).status).toBe(403);
  });

  it('reports hostile attributes without storing them and without echoing huge values', async () => {
    const event = {
      Event: {
        uuid: randomUUID(),
        info: 'hostile',
        date: '2026-01-01',
        Attribute: [
          attr('email-src', '\u202Egro.elpmaxe@xxx'),
          attr('domain', 'x'.repeat(200_000)),
          attr('url', 'javascript:alert(1)'),
          { type: 'domain', value: 'no-uuid.example' },
          'not an attribute',
          attr('domain', 'hostile-ok.example', { Tag: [{ name: 'misp-galaxy:threat-actor="X"' }, { name: '\u0000' }] }),
        ],
      },
    };
    const res = await importMisp(event);
    expect(res.status).toBe(201);
    expect(res.body.counts.created).toBe(1);
    expect(res.body.counts.failed + res.body.skippedTotal).toBe(5);
    expect(JSON.stringify(res.body).length).toBeLessThan(16_000);
  });
});

describe('the palermo CLI', () => {
  const palermo = (args: string[]) => runCli(args, { env: { PALERMO_TOKEN: nl.token('analyst'), PALERMO_API_URL: nl.url } });

  const dir = tempDir('misp-cli-');

  it('palermo misp import FILE prints counts and each skipped attribute', async () => {
    const file = join(dir, 'event.json');
    writeFileSync(file, JSON.stringify(mixedEvent().event));
    const run = await palermo(['misp', 'import', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Created, or unchanged when the tests above imported the same values (from other attribute uuids).
    const counts = /^imported [0-9a-f-]{36}: created (\d+), updated 0, unchanged (\d+), revoked 0, ignored 0, failed 0$/m.exec(run.stdout);
    expect(Number(counts?.[1]) + Number(counts?.[2])).toBe(9);
    expect(run.stdout).toMatch(/skipped .* malware-sample/);
  });

  it('palermo stix import FILE streams the file; --dry-run and --tlp pass through', async () => {
    const file = join(dir, 'bundle.json');
    writeFileSync(file, bundle([indicator(domainPattern('cli-stix.example'))]));
    const dry = await palermo(['stix', 'import', file, '--dry-run', '--tlp', 'green']);
    expect(dry.stdout).toMatch(/^dry run \(nothing changed\) .*created 1/m);
    const run = await palermo(['stix', 'import', file, '--tlp', 'green', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { created: 1 }, dryRun: false });
    const stored = await nl.api('GET', '/indicators?type=domain&value=cli-stix.example');
    expect(stored.body.items[0]).toMatchObject({ tlp: 'green' });
  });

  it('palermo stix import --adopt takes another Palermo origin as own and says from where; without it each fails', async () => {
    const file = join(dir, 'foreign.json');
    const fromDe = {
      ...indicator(domainPattern('cli-adopt.example')),
      x_palermo_origin: 'de-bka',
      x_palermo_id: '01942220-5000-7000-8000-00000000c001',
    };
    writeFileSync(file, bundle([fromDe]));
    const refused = await palermo(['stix', 'import', file]);
    expect(refused.stdout).toMatch(/created 0, .*failed 1/);
    expect(refused.stdout).toMatch(/STIX_FOREIGN_ORIGIN .*"de-bka"/);
    const adopted = await palermo(['stix', 'import', file, '--adopt']);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toMatch(/created 1/);
    expect(adopted.stdout).toMatch(/adopted 1 indicator\(s\) of other Palermo nodes as own \(de-bka 1\)/);
  });

  it('refuses a missing file, a bad --tlp and reports a node error with its code', async () => {
    expect(await palermo(['stix', 'import', join(dir, 'missing.json')])).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file') });
    expect(await palermo(['stix', 'import', join(dir, 'bundle.json'), '--tlp', 'purple'])).toMatchObject({ code: 2 });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"type":"bundle","objects":[');
    expect(await palermo(['stix', 'import', bad])).toMatchObject({ code: 1, stderr: expect.stringContaining('STIX_MALFORMED') });
  });
});
