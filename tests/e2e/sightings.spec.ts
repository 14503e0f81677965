import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFederation, type ApiAnswer, type Federation, type TestNode } from './support/federation.harness';

// Local sightings over HTTP on one node (the store spec covers both databases and paging; sending
// sightings back to the origin is issue 5). Every answer is checked for 5xx.

const UNKNOWN_UUID = '01900000-0000-7000-8000-000000000000';

describe('sightings over HTTP (one node)', () => {
  let fed: Federation;
  let nl: TestNode;
  const serverErrors: string[] = [];

  async function call(method: string, path: string, opts: Parameters<TestNode['api']>[2] = {}): Promise<ApiAnswer> {
    const res = await nl.api(method, path, opts);
    if (res.status >= 500) serverErrors.push(`${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res;
  }
  async function ownIndicator(value: string): Promise<string> {
    const res = await call('POST', '/indicators', { body: { indicators: [{ type: 'email', value, tags: ['e2e:sightings'] }] } });
    expect(res.status).toBe(201);
    return res.body.items[0].id as string;
  }
  const sight = (id: string, body: unknown, role: 'analyst' | 'admin' | 'auditor' | 'policy-officer' = 'analyst') =>
    call('POST', `/indicators/${id}/sightings`, { body, role });

  beforeAll(async () => {
    fed = await bootFederation([{ nodeId: 'nl-police', jurisdiction: 'NL' }], 'postgres');
    nl = fed.node('nl-police');
  });
  afterAll(async () => {
    await fed?.stop();
  });

  it('records a sighting (201) and lists it; defaults: count 1, lastSeen now, firstSeen = lastSeen', async () => {
    const id = await ownIndicator('seen.once@example.org');
    const before = Date.now();
    const res = await sight(id, {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ indicatorId: id, indicatorOrigin: 'nl-police', indicatorTlp: 'amber', sightedBy: 'nl-police', count: 1, note: null });
    expect(res.body.firstSeen).toBe(res.body.lastSeen);
    expect(Date.parse(res.body.lastSeen)).toBeGreaterThanOrEqual(before - 1000);
    expect(res.body.createdBy).toMatchObject({ name: 'e2e analyst' });

    const explicit = await sight(id, { count: 4, firstSeen: '2026-01-01', lastSeen: '2026-01-03T12:00:00+01:00', note: '  ad on bedpage, 4 reposts  ' });
    expect(explicit).toMatchObject({
      status: 201,
      body: { count: 4, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-03T11:00:00.000Z', note: 'ad on bedpage, 4 reposts' },
    });
    const list = await call('GET', `/indicators/${id}/sightings`, { role: 'auditor' });
    expect(list).toMatchObject({ status: 200, body: { nextCursor: null } });
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([explicit.body.id, res.body.id]);
  });

  it('two identical POSTs are two sightings (each is an observation, not deduplicated)', async () => {
    const id = await ownIndicator('seen.twice@example.org');
    const body = { count: 2, firstSeen: '2026-02-01T00:00:00Z', lastSeen: '2026-02-02T00:00:00Z', note: 'same ad' };
    const a = await sight(id, body);
    const b = await sight(id, body);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    const list = await call('GET', `/indicators/${id}/sightings?limit=1`);
    expect(list.body.items).toHaveLength(1);
    const next = await call('GET', `/indicators/${id}/sightings?limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].id).toBe(a.body.id);
  });

  it('refuses unknown and revoked indicators', async () => {
    expect(await sight(UNKNOWN_UUID, {})).toMatchObject({ status: 404, body: { error: { code: 'INDICATOR_NOT_FOUND' } } });
    expect(await call('GET', `/indicators/${UNKNOWN_UUID}/sightings`)).toMatchObject({ status: 404, body: { error: { code: 'INDICATOR_NOT_FOUND' } } });
    expect(await sight('not-a-uuid', {})).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const id = await ownIndicator('revoked.soon@example.org');
    expect((await call('POST', `/indicators/${id}/revoke`, { body: { reason: 'wrong address' } })).status).toBe(200);
    const refused = await sight(id, {});
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'INDICATOR_REVOKED' } } });
    expect((await call('GET', `/indicators/${id}/sightings`)).body.items).toEqual([]);
  });

  it.each([
    ['count 0', { count: 0 }],
    ['count as a string', { count: '3' }],
    ['a fractional count', { count: 1.5 }],
    ['a huge count', { count: 10_000_000 }],
    ['an unknown field', { count: 1, value: 'x' }],
    ['lastSeen in the future', { lastSeen: '2999-01-01T00:00:00Z' }],
    ['firstSeen after lastSeen', { firstSeen: '2026-03-02', lastSeen: '2026-03-01' }],
    ['firstSeen after now (lastSeen defaults to now)', { firstSeen: '2999-01-01' }],
    ['a date that is not one', { lastSeen: 'yesterday' }],
    ['a year 0', { lastSeen: '0000-01-01T00:00:00Z' }],
    ['a note with a bidi override', { note: 'ad \u202Etxt.exe' }],
    ['a note with a NUL', { note: 'a\u0000b' }],
    ['an over-long note', { note: 'x'.repeat(4097) }],
    ['a note with a terminal escape', { note: 'a\u001b[2Jb' }],
    ['a note with a C1 control', { note: 'a\u0085b' }],
    ['a note with a bidi isolate', { note: 'a\u2066b' }],
    ['a note with a lone surrogate', { note: 'a\ud800b' }],
    ['count 1,000,001', { count: 1_000_001 }],
    ['a year 10000', { lastSeen: '+010000-01-01T00:00:00Z' }],
    ['an array body', [{ count: 1 }]],
    ['a string body', 'count=1'],
  ])('refuses %s with 400 and stores nothing', async (_name, body) => {
    const id = await ownIndicator(`bad.input.${Math.random().toString(36).slice(2)}@example.org`);
    const res = await sight(id, body);
    expect(res.status).toBe(400);
    // SIGHTING_INVALID from the store would mean the schema let through what the store refuses (review 8, finding 8).
    expect(res.body.error.code).toMatch(/^(VALIDATION_FAILED|MALFORMED_JSON)$/);
    expect((await call('GET', `/indicators/${id}/sightings`)).body.items).toEqual([]);
  });

  it('stores hostile notes as plain text', async () => {
    const id = await ownIndicator('hostile.note@example.org');
    const note = `<script>alert(1)</script> '; drop table sighting; -- ${'ü'.repeat(100)}`;
    const res = await sight(id, { note });
    expect(res).toMatchObject({ status: 201, body: { note } });
  });

  it('lets analysts and admins record, every reading role list, and refuses the others', async () => {
    const id = await ownIndicator('roles@example.org');
    expect((await sight(id, {}, 'admin')).status).toBe(201);
    expect(await sight(id, {}, 'auditor')).toMatchObject({ status: 403, body: { error: { code: 'AUTH_FORBIDDEN' } } });
    expect(await sight(id, {}, 'policy-officer')).toMatchObject({ status: 403, body: { error: { code: 'AUTH_FORBIDDEN' } } });
    for (const role of ['analyst', 'policy-officer', 'auditor', 'admin'] as const) {
      expect((await call('GET', `/indicators/${id}/sightings`, { role })).status).toBe(200);
    }
    expect((await call('GET', `/indicators/${id}/sightings`, { role: null })).status).toBe(401);
    expect(await call('GET', `/indicators/${id}/sightings?cursor=bogus`)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
    expect(await call('GET', `/indicators/${id}/sightings?limit=0`)).toMatchObject({ status: 400 });
  });

  it('never answered with a server error', () => {
    expect(serverErrors).toEqual([]);
  });
});
