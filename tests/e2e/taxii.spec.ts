import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../apps/cli/src/commands/tokens.command';
import { command, currentAgreement } from './support/agreements.probes';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { stixSchemaErrors as stixSchemaProblems } from '../fixtures/stix2.1-json-schemas/stix-schema.validator';

// TAXII 2.1 read API of one node (nl-police) with a partner (de-bka) under an agreement: what each
// caller may see, paging exactly once while indicators are being posted, and TAXII-shaped errors.

const TAXII = 'application/taxii+json;version=2.1';
type Answer = { status: number; body: any; headers: Headers };

describe('TAXII 2.1', () => {
  let fed: Federation;
  let nl: TestNode;
  let partnerToken: string;
  let strangerToken: string;
  const problems: string[] = [];

  async function taxii(path: string, opts: { token?: string | null; accept?: string | null } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? nl.tokens.analyst : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.accept !== null) headers.accept = opts.accept ?? TAXII;
    const res = await fetch(`${nl.url}/taxii2/${path}`, { headers });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
    if (res.status >= 500) problems.push(`${path} → ${res.status} ${text.slice(0, 300)}`);
    if (res.headers.get('content-type') !== TAXII) problems.push(`${path} → content-type ${res.headers.get('content-type')}`);
    return { status: res.status, body, headers: res.headers };
  }

  /** Every object of a collection, page by page with `next`. */
  async function drain(collection: string, limit: number, token?: string, extra = ''): Promise<any[]> {
    const objects: any[] = [];
    let next: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const res = await taxii(`palermo/collections/${collection}/objects/?limit=${limit}${extra}${next ? `&next=${next}` : ''}`, { token });
      expect(res.status).toBe(200);
      objects.push(...(res.body.objects ?? []));
      if (!res.body.more) return objects;
      next = res.body.next;
      expect(next).toBeTruthy();
    }
    throw new Error('more than 1000 pages');
  }

  const publish = async (indicators: object[]) => {
    const res = await nl.api('POST', '/indicators', { body: { indicators } });
    expect(res.status).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    fed = await bootFederation([
      { nodeId: 'nl-police', jurisdiction: 'NL' },
      { nodeId: 'de-bka', jurisdiction: 'DE' },
    ]);
    nl = fed.node('nl-police');
    // PostgreSQL lets the CLI mint tokens while the node runs.
    partnerToken = await createToken({ dataDir: nl.dataDir }, 'partner', 'de-bka TAXII reader', 'de-bka');
    strangerToken = await createToken({ dataDir: nl.dataDir }, 'partner', 'stranger', 'us-hsi');
  });
  afterAll(async () => {
    await fed?.stop();
  });

  it('answers discovery and the API root in the TAXII media type', async () => {
    const discovery = await taxii('');
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({ title: expect.stringContaining('nl-police'), api_roots: [`${nl.url}/taxii2/palermo/`], default: `${nl.url}/taxii2/palermo/` });
    expect(await taxii('palermo/')).toMatchObject({ status: 200, body: { versions: [TAXII], max_content_length: 0 } });
    expect(await taxii('elsewhere/')).toMatchObject({ status: 404, body: { http_status: '404', error_code: 'API_ROOT_NOT_FOUND' } });
    expect(await taxii('palermo/status/2d086da7-4bdc-4f91-900e-d77486753710/')).toMatchObject({ status: 404, body: { error_code: 'ROUTE_NOT_FOUND' } });
    expect(await taxii('palermo/collections/local/objects/x/y/z/')).toMatchObject({ status: 404, body: { error_code: 'ROUTE_NOT_FOUND' } });
    const post = await fetch(`${nl.url}/taxii2/palermo/collections/local/objects/`, { method: 'POST', headers: { authorization: `Bearer ${nl.tokens.analyst}`, accept: TAXII, 'content-type': TAXII }, body: '{}' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toBe(TAXII);
    expect(await post.json()).toMatchObject({ error_code: 'ROUTE_NOT_FOUND' });
  });

  it('answers auth failures and bad Accept headers as TAXII error messages', async () => {
    expect(await taxii('', { token: null })).toMatchObject({ status: 401, body: { title: 'Unauthorized', http_status: '401', error_code: 'AUTH_REQUIRED' } });
    expect(await taxii('', { token: 'plm_' + 'x'.repeat(43) })).toMatchObject({ status: 401, body: { error_code: 'AUTH_INVALID' } });
    for (const accept of ['application/json', 'application/taxii+json;version=2.0', 'text/html', 'application/taxii+json;q=0']) {
      expect(await taxii('palermo/collections/', { accept })).toMatchObject({ status: 406, body: { http_status: '406', error_code: 'TAXII_NOT_ACCEPTABLE' } });
    }
    for (const accept of ['application/taxii+json', 'application/taxii+json; version=2.1', '*/*', null]) {
      expect((await taxii('palermo/collections/', { accept })).status).toBe(200);
    }
  });

  it('lists one collection per audience the caller may see', async () => {
    const aliases = async (token: string) => ((await taxii('palermo/collections/', { token })).body.collections ?? []).map((c: any) => c.alias);
    expect(await aliases(nl.tokens.analyst)).toEqual(['local', 'all', 'de-bka']);
    expect(await aliases(nl.tokens.auditor)).toEqual(['local', 'all', 'de-bka']);
    // The readers of GET /indicators, no more and no fewer: policy officers read values, the operator does not.
    expect(await aliases(nl.tokens['policy-officer'])).toEqual(['local', 'all', 'de-bka']);
    expect(await aliases(nl.tokens.admin)).toEqual(['all', 'de-bka']);
    expect(await aliases(partnerToken)).toEqual(['all', 'de-bka']);
    const [local] = (await taxii('palermo/collections/')).body.collections;
    expect(local).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), can_read: true, can_write: false, media_types: ['application/stix+json;version=2.1'] });
    expect(await taxii(`palermo/collections/${local.id}/`)).toMatchObject({ status: 200, body: { alias: 'local' } });
    // A partner token reads neither the local collection nor another partner's, and learns nothing of them.
    expect(await taxii('palermo/collections/local/', { token: partnerToken })).toMatchObject({ status: 404, body: { error_code: 'COLLECTION_NOT_FOUND' } });
    expect(await taxii(`palermo/collections/${local.id}/objects/`, { token: partnerToken })).toMatchObject({ status: 404 });
    // us-hsi is not pinned and has no agreement: its token reads nothing at all.
    for (const path of ['palermo/collections/', 'palermo/collections/all/objects/', 'palermo/collections/us-hsi/objects/', 'palermo/collections/de-bka/objects/']) {
      expect(await taxii(path, { token: strangerToken }), path).toMatchObject({ status: 403, body: { http_status: '403', error_code: 'AUTH_FORBIDDEN' } });
    }
  });

  it.each(['local', 'all'])('refuses to mint a partner token for the reserved name %s', async (name) => {
    await expect(createToken({ dataDir: nl.dataDir }, 'partner', `partner ${name}`, name)).rejects.toThrow(/--partner .*not be "all" or "local"/);
  });

  it('keeps partner tokens off every other route', async () => {
    for (const path of ['/indicators', '/bundles', '/node', '/partners', '/health', '/agreements']) {
      expect(await nl.api('GET', path, { token: partnerToken })).toMatchObject({ status: 403, body: { error: { code: 'AUTH_FORBIDDEN' } } });
    }
  });

  it('pages the local collection exactly once while another client posts indicators', async () => {
    await publish(Array.from({ length: 15 }, (_, i) => ({ type: 'email', value: `seed${i}@example.org`, tlp: 'green', tags: ['e2e:taxii'] })));
    let posting = true;
    let posted = 15;
    const poster = (async () => {
      for (let round = 0; round < 12; round++) {
        await publish([0, 1, 2].map((k) => ({ type: 'keyword', value: `taxii-race-${round}-${k}`, tlp: 'amber', tags: ['e2e:taxii'] })));
        posted += 3;
      }
      posting = false;
    })();
    // A TAXII client follows `next` while `more` is true, then resumes with added_after at the last
    // date_added it saw (X-TAXII-Date-Added-Last): the protocol's own way to keep following a collection.
    const seen: string[] = [];
    let next: string | undefined;
    let lastAdded = '';
    for (;;) {
      // Read before the request: a page asked for after the last post returned holds everything.
      const stillPosting = posting;
      const from = next ? `&next=${next}` : lastAdded ? `&added_after=${lastAdded}` : '';
      const res = await taxii(`palermo/collections/local/objects/?limit=4${from}`);
      expect(res.status).toBe(200);
      const objects = res.body.objects ?? [];
      seen.push(...objects.map((o: any) => `${o.id}@${o.modified}`));
      if (objects.length > 0) {
        const first = res.headers.get('x-taxii-date-added-first')!;
        expect(first > lastAdded, `${first} after ${lastAdded}`).toBe(true);
        lastAdded = res.headers.get('x-taxii-date-added-last')!;
        expect(lastAdded >= first).toBe(true);
      }
      next = res.body.more ? res.body.next : undefined;
      if (!res.body.more && !stillPosting) break;
      if (!res.body.more) await new Promise((r) => setTimeout(r, 20));
    }
    await poster;
    expect(seen).toHaveLength(posted);
    expect(new Set(seen).size).toBe(posted);
    // With added_after at the last date_added seen, nothing is left; from the start, everything again.
    expect((await taxii(`palermo/collections/local/objects/?added_after=${lastAdded}`)).body).toEqual({ more: false });
    expect(await drain('local', 1000)).toHaveLength(posted);
  });

  it('serves added_after exclusively, to the microsecond', async () => {
    const page = await taxii('palermo/collections/local/objects/?limit=3');
    const third = page.headers.get('x-taxii-date-added-last')!;
    expect(third).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const rest = await drain('local', 1000, undefined, `&added_after=${third}`);
    const all = await drain('local', 1000);
    expect(rest.map((o) => o.id)).toEqual(all.slice(3).map((o) => o.id));
    const manifest = await taxii(`palermo/collections/local/manifest/?limit=2&added_after=${third}`);
    expect(manifest.body.objects).toEqual([
      { id: all[3].id, date_added: expect.any(String), version: all[3].modified, media_type: 'application/stix+json;version=2.1' },
      { id: all[4].id, date_added: expect.any(String), version: all[4].modified, media_type: 'application/stix+json;version=2.1' },
    ]);
    expect(manifest.body.objects[0].date_added > third).toBe(true);
  });

  it('refuses bad paging and filters as TAXII 400s', async () => {
    const foreign = (await taxii('palermo/collections/all/objects/?limit=1')).body.next;
    const local = (await taxii('palermo/collections/local/objects/?limit=1')).body.next;
    expect(local).toBeTruthy();
    const cases = [
      'limit=0',
      'limit=-5',
      'limit=abc',
      'limit=2.5',
      'next=not-a-cursor',
      `next=${Buffer.from('{"v":1,"c":"x","l":"1"}').toString('base64url')}`,
      `next=${local}x`,
      'added_after=yesterday',
      'added_after=2026-13-45T00:00:00Z',
      'match[id]=indicator--nope',
      'match[version]=sometimes',
      'match[type]=Indicator',
      `match[id]=${'indicator--01234567-0123-4123-8123-0123456789ab,'.repeat(101)}`,
      'limit=1&limit=2',
      `next=${local}&next=${local}`,
      `added_after=${'9'.repeat(5000)}`,
      'match[version]=last%00',
    ];
    for (const q of cases) {
      const res = await taxii(`palermo/collections/local/objects/?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body, q).toMatchObject({ title: 'Bad Request', http_status: '400', error_code: expect.any(String), description: expect.any(String) });
    }
    if (foreign) expect((await taxii(`palermo/collections/local/objects/?next=${foreign}`)).status).toBe(400);
    // Unknown parameters and unsupported filters are ignored, as TAXII servers do.
    for (const q of ['unknown=1', 'match[relationship_type]=indicates', '_=1732870000000&limit=1']) {
      expect((await taxii(`palermo/collections/local/objects/?${q}`)).status, q).toBe(200);
    }
    // A limit above the maximum is lowered, not refused.
    expect((await taxii('palermo/collections/local/objects/?limit=100000')).status).toBe(200);
  });

  it('filters by match[type], match[id] and serves one object and its versions', async () => {
    expect((await taxii('palermo/collections/local/objects/?match[type]=identity')).body).toEqual({ more: false });
    const [one] = await drain('local', 1);
    const byId = await taxii(`palermo/collections/local/objects/?match[id]=${one.id}`);
    expect(byId.body.objects).toEqual([one]);
    expect((await taxii(`palermo/collections/local/objects/${one.id}/`)).body.objects).toEqual([one]);
    expect((await taxii(`palermo/collections/local/objects/${one.id}/versions/`)).body).toEqual({ more: false, versions: [one.modified] });
    const missing = 'indicator--01234567-0123-4123-8123-0123456789ab';
    expect(await taxii(`palermo/collections/local/objects/${missing}/`)).toMatchObject({ status: 404, body: { error_code: 'OBJECT_NOT_FOUND' } });
  });

  it('serves exactly what the partner was sent, revocations as revoked versions', async () => {
    const [shared] = (await publish([{ type: 'phone', value: '+31612345678', tlp: 'green', tags: ['e2e:taxii'] }])).items;
    await publish([{ type: 'url', value: 'https://clear.example.org/ad', tlp: 'clear', tags: ['e2e:taxii'] }]);
    const sentUpserts = async (audience: string) => {
      const out = await nl.api('GET', `/bundles?direction=out&partner=${audience}&limit=100`);
      expect(out.status, JSON.stringify(out.body)).toBe(200);
      const ids: string[] = [];
      for (const b of [...out.body.items].reverse()) {
        if (b.audience !== audience) continue;
        const raw = await nl.api('GET', `/bundles/${b.hash}/raw`);
        for (const e of raw.body.entries) if (e.op === 'upsert') ids.push(`${e.indicator.id}@${e.indicator.version}`);
      }
      return ids;
    };
    const served = async (audience: string, token: string) =>
      (await drain(audience, 3, token, '&match[version]=all')).map((o) => `${o.x_palermo_id}@${o.x_palermo_version}`);
    await eventually('the phone to reach the de-bka chain and be published', async () => (await served('de-bka', partnerToken)).some((s) => s.startsWith(shared.id)));
    await eventually('bundles to be handed to NATS', async () => {
      const sent = await sentUpserts('de-bka');
      return JSON.stringify(await served('de-bka', partnerToken)) === JSON.stringify(sent);
    });
    expect((await served('all', partnerToken)).length).toBeGreaterThan(0);
    await eventually('the community chain to match', async () => JSON.stringify(await served('all', partnerToken)) === JSON.stringify(await sentUpserts('all')));

    expect((await nl.api('POST', `/indicators/${shared.id}/revoke`, { body: { reason: 'number reassigned' } })).status).toBe(200);
    const revoked = await eventually('the revocation on the de-bka chain', async () => {
      const all = await drain('de-bka', 50, partnerToken, '&match[version]=all');
      return all.filter((o) => o.x_palermo_id === shared.id).length === 2 ? all.filter((o) => o.x_palermo_id === shared.id) : undefined;
    });
    expect(revoked[0].revoked).toBeUndefined();
    expect(revoked[1]).toMatchObject({ id: revoked[0].id, revoked: true, name: '+31612345678' });
    expect(revoked[1].modified > revoked[0].modified).toBe(true);
    const last = (await drain('de-bka', 50, partnerToken)).filter((o) => o.id === revoked[0].id);
    expect(last).toEqual([revoked[1]]);
    const versions = await taxii(`palermo/collections/de-bka/objects/${revoked[0].id}/versions/`, { token: partnerToken });
    expect(versions.body.versions).toEqual([revoked[0].modified, revoked[1].modified]);
    const first = await taxii(`palermo/collections/de-bka/objects/${revoked[0].id}/?match[version]=first`, { token: partnerToken });
    expect(first.body.objects).toEqual([revoked[0]]);
    // match[id] on a chain is a lookup through the export decisions; paging it with limit 1 still gives both versions once.
    const byId: any[] = [];
    let next = '';
    for (;;) {
      const page = await taxii(`palermo/collections/de-bka/objects/?match[id]=${revoked[0].id}&match[version]=all&limit=1${next ? `&next=${next}` : ''}`, { token: partnerToken });
      byId.push(...(page.body.objects ?? []));
      if (!page.body.more) break;
      next = page.body.next;
    }
    expect(byId).toEqual(revoked);
  });

  it('serves only objects that validate against the official STIX 2.1 schemas', async () => {
    const objects = [...(await drain('local', 500)), ...(await drain('de-bka', 500, partnerToken, '&match[version]=all')), ...(await drain('all', 500))];
    expect(objects.length).toBeGreaterThan(50);
    expect(objects.flatMap(stixSchemaProblems)).toEqual([]);
  });

  it('stops serving a partner token once its agreement is no longer in force', async () => {
    expect((await taxii('palermo/collections/de-bka/objects/', { token: partnerToken })).status).toBe(200);
    const current = await currentAgreement(nl, 'de-bka');
    expect((await command(nl, current.id, 'suspend', 'policy-officer', 'TAXII token check')).status).toBe(200);
    for (const path of ['palermo/collections/', 'palermo/collections/all/objects/', 'palermo/collections/de-bka/objects/']) {
      expect(await taxii(path, { token: partnerToken }), path).toMatchObject({ status: 403, body: { error_code: 'AUTH_FORBIDDEN', description: expect.stringContaining('suspended') } });
    }
    const bundle = await fetch(`${nl.url}/api/v1/stix/bundle`, { headers: { authorization: `Bearer ${partnerToken}` } });
    expect(bundle.status).toBe(403);
    // Staff still read the audience: the history of what left is theirs to audit.
    expect((await taxii('palermo/collections/de-bka/objects/')).status).toBe(200);
  });

  it('never answered 5xx or another content type', () => {
    expect(problems).toEqual([]);
  });
});

describe('TAXII 2.1 on embedded PGlite', () => {
  let fed: Federation;
  let node: TestNode;
  beforeAll(async () => {
    fed = await bootFederation([{ nodeId: 'nl-police', jurisdiction: 'NL', agreements: 'none' }], 'pglite');
    node = fed.node('nl-police');
  });
  afterAll(async () => {
    await fed?.stop();
  });

  it('pages the local collection exactly once, with microsecond date_added and a working added_after', async () => {
    const indicators = Array.from({ length: 30 }, (_, i) => ({ type: 'keyword', value: `pglite taxii ${i}`, tlp: 'green' }));
    expect((await node.api('POST', '/indicators', { body: { indicators } })).status).toBe(201);
    const get = async (query: string) => {
      const res = await fetch(`${node.url}/taxii2/palermo/collections/local/objects/?${query}`, { headers: { authorization: `Bearer ${node.tokens.analyst}`, accept: TAXII } });
      expect(res.headers.get('content-type')).toBe(TAXII);
      return { body: (await res.json()) as any, last: res.headers.get('x-taxii-date-added-last') };
    };
    const seen: any[] = [];
    let next = '';
    for (;;) {
      const { body } = await get(`limit=7${next ? `&next=${next}` : ''}`);
      seen.push(...(body.objects ?? []));
      if (!body.more) break;
      next = body.next;
    }
    expect(seen.map((o) => o.name).sort()).toEqual(indicators.map((i) => i.value).sort());
    expect(seen.flatMap(stixSchemaProblems)).toEqual([]);
    const first = await get('limit=10');
    expect(first.last).toMatch(/\.\d{6}Z$/);
    const after = await get(`added_after=${first.last}&limit=1000`);
    expect(after.body.objects.map((o: any) => o.id)).toEqual(seen.slice(10).map((o) => o.id));
  });
});
