import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dearmorSignature, fingerprintOf, generateNodeKey, makePartnerCard, readPrivateKey, readPublicKey, verifyDetached } from '@palermo/bundles';
import { nodeSubjects } from '@palermo/federation';
import { bootFederation, eventually, type ApiAnswer, type Federation, type TestNode } from './support/federation.harness';

// The HTTP API of ONE node, as an analyst, auditor or admin meets it, on both databases a node can run on.
// Every answer of the suite is checked for 5xx: an internal error is never a valid answer to bad input.

const UNKNOWN_UUID = '01900000-0000-7000-8000-000000000000';
const UNKNOWN_HASH = '0'.repeat(64);

type Item = Record<string, unknown>;
const keyword = (value: string, extra: Item = {}): Item => ({ type: 'keyword', value, ...extra });
const errorsOf = (res: ApiAnswer) => (res.body?.error?.details?.errors ?? []) as { index?: number; path: (string | number)[]; code: string; message: string }[];

describe.each(['postgres', 'pglite'] as const)('one node on %s', (db) => {
  let fed: Federation;
  let nl: TestNode;
  const serverErrors: string[] = [];

  /** Calls the API and remembers every 5xx, so the suite can fail on them at the end. */
  async function call(method: string, path: string, opts: Parameters<TestNode['api']>[2] = {}): Promise<ApiAnswer> {
    const res = await nl.api(method, path, opts);
    if (res.status >= 500) serverErrors.push(`${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res;
  }
  const publish = (indicators: unknown[]) => call('POST', '/indicators', { body: { indicators } });
  const search = async (query: string) => call('GET', `/indicators?${query}`);

  beforeAll(async () => {
    fed = await bootFederation([{ nodeId: 'nl-police', jurisdiction: 'NL' }], db);
    nl = fed.node('nl-police');
  });
  afterAll(async () => {
    await fed?.stop();
  });

  describe('who may call what', () => {
    it('answers 401 AUTH_REQUIRED without a token and AUTH_INVALID for an unknown one', async () => {
      expect(await call('GET', '/indicators', { role: null })).toMatchObject({ status: 401, body: { error: { code: 'AUTH_REQUIRED' } } });
      const res = await fetch(`${nl.url}/api/v1/indicators`, { headers: { authorization: 'Bearer plm_not-a-token-this-node-issued' } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'AUTH_INVALID' } });
    });

    it.each([
      ['analyst', 'POST', '/partners'],
      ['auditor', 'POST', '/indicators'],
      ['analyst', 'GET', '/quarantine'],
      ['auditor', 'POST', `/indicators/${UNKNOWN_UUID}/revoke`],
    ] as const)('refuses the %s role on %s %s with 403 AUTH_FORBIDDEN', async (role, method, path) => {
      const res = await call(method, path, { role, body: method === 'POST' ? {} : undefined });
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'AUTH_FORBIDDEN' } } });
    });

    it('serves the seeded policy (version 1, the default policy) to the auditor and refuses it to the analyst', async () => {
      const active = await call('GET', '/policy', { role: 'auditor' });
      expect(active).toMatchObject({ status: 200, body: { version: 1, active: true, author: null, text: expect.stringContaining('@id("default.share")') } });
      expect(await call('GET', '/policy')).toMatchObject({ status: 403, body: { error: { code: 'AUTH_FORBIDDEN' } } });
    });

    it('lets the auditor read the quarantine (empty on a node without partners)', async () => {
      expect(await call('GET', '/quarantine', { role: 'auditor' })).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
    });

    it('answers /healthz without a token and reveals nothing', async () => {
      const res = await fetch(`${nl.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'alive' });
    });
  });

  describe('publishing indicators', () => {
    it('stores a phone typed the Dutch way as E.164 and an e-mail lower-cased', async () => {
      const res = await publish([
        { type: 'phone', value: '06 12345678', tags: ['ht:recruitment', 'e2e:http'] },
        { type: 'email', value: 'Recruit.Jobs@Example.NL', tlp: 'amber', confidence: 70, tags: ['e2e:http'] },
      ]);
      expect(res.status).toBe(201);
      expect(res.body.items).toEqual([
        { id: expect.any(String), version: 1, status: 'created' },
        { id: expect.any(String), version: 1, status: 'created' },
      ]);
      const stored = await search('tag=e2e:http');
      expect(stored.body.items.map((i: Item) => i.value).sort()).toEqual(['+31612345678', 'recruit.jobs@example.nl']);
    });

    it.each<[string, unknown, { index?: number; path: (string | number)[]; code: string }]>([
      ['an unknown type', [{ type: 'carrier-pigeon', value: 'x' }], { index: 0, path: ['type'], code: 'UNKNOWN_TYPE' }],
      ['an unparseable phone', [{ type: 'phone', value: 'call me maybe' }], { index: 0, path: ['value'], code: 'PHONE_INVALID' }],
      ['an unknown field', [keyword('x', { colour: 'red' })], { index: 0, path: ['colour'], code: 'UNKNOWN_FIELD' }],
      ['a platform on a non-username', [keyword('x', { platform: 'telegram' })], { index: 0, path: ['platform'], code: 'UNKNOWN_FIELD' }],
      ['a __proto__ key', [JSON.parse('{"type":"keyword","value":"x","__proto__":{"admin":true}}')], { index: 0, path: ['__proto__'], code: 'UNKNOWN_FIELD' }],
      ['confidence as a string', [keyword('x', { confidence: 'high' })], { index: 0, path: ['confidence'], code: 'INVALID_TYPE' }],
      ['confidence 101', [keyword('x', { confidence: 101 })], { index: 0, path: ['confidence'], code: 'OUT_OF_RANGE' }],
      ['tags as a string', [keyword('x', { tags: 'ht:labour' })], { index: 0, path: ['tags'], code: 'INVALID_TYPE' }],
      ['a value that is a number', [{ type: 'keyword', value: 42 }], { index: 0, path: ['value'], code: 'INVALID_TYPE' }],
      ['an item that is not an object', ['keyword'], { index: 0, path: [], code: 'INVALID_TYPE' }],
      ['a NUL in the value', [keyword('girls\u0000daily')], { index: 0, path: ['value'], code: 'VALUE_CONTROL_CHARACTER' }],
      ['a bidi override in the value', [keyword('\u202Eyliad slrig')], { index: 0, path: ['value'], code: 'VALUE_BIDI_CONTROL' }],
      ['a 100 KB value', [keyword('a'.repeat(100_000))], { index: 0, path: ['value'], code: 'VALUE_TOO_LONG' }],
      ['a NUL in the description', [keyword('x', { description: 'a\u0000b' })], { index: 0, path: ['description'], code: 'CONTROL_CHARACTER' }],
      ['a bidi override in a tag', [keyword('x', { tags: ['ht:\u202Elabour'] })], { index: 0, path: ['tags', 0], code: 'INVALID_FORMAT' }],
    ])('refuses %s with 400 VALIDATION_FAILED naming item, field and code', async (_name, indicators, expected) => {
      const res = await call('POST', '/indicators', { body: { indicators } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(errorsOf(res)).toContainEqual(expect.objectContaining(expected));
      expect(JSON.stringify(res.body).length).toBeLessThan(4096); // a 100 KB value is not echoed back
    });

    it.each<[string, string, number, string]>([
      ['malformed JSON', '{"indicators": [', 400, 'MALFORMED_JSON'],
      ['a JSON string instead of an object', '"indicators"', 400, 'MALFORMED_JSON'],
      ['an unknown field next to indicators', '{"indicators": [], "dryRun": true}', 400, 'VALIDATION_FAILED'],
      ['indicators as an object', '{"indicators": {"type": "keyword"}}', 400, 'VALIDATION_FAILED'],
      ['no indicators at all', '{}', 400, 'VALIDATION_FAILED'],
    ])('refuses a body with %s', async (_name, rawBody, status, code) => {
      const res = await call('POST', '/indicators', { rawBody });
      expect(res).toMatchObject({ status, body: { error: { code } } });
    });

    it('refuses 10,001 items with TOO_MANY_ITEMS and stores none of them', async () => {
      const items = Array.from({ length: 10_001 }, (_, i) => keyword(`bulk ${i}`, { tags: ['e2e:too-many'] }));
      const res = await publish(items);
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toEqual([expect.objectContaining({ path: ['indicators'], code: 'TOO_MANY_ITEMS' })]);
      expect((await search('tag=e2e:too-many')).body.items).toEqual([]);
    });

    it('refuses a body over 16 MB with 413 PAYLOAD_TOO_LARGE', async () => {
      const rawBody = JSON.stringify({ indicators: [keyword('x', { description: 'x'.repeat(17 * 1024 * 1024) })] });
      const res = await call('POST', '/indicators', { rawBody });
      expect(res).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    });

    it('refuses a body that is not sent as JSON', async () => {
      const res = await fetch(`${nl.url}/api/v1/indicators`, {
        method: 'POST',
        headers: { authorization: `Bearer ${nl.tokens.analyst}`, 'content-type': 'text/plain' },
        body: JSON.stringify({ indicators: [keyword('as text')] }),
      });
      expect([400, 415]).toContain(res.status);
      expect(((await res.json()) as ApiAnswer['body']).error.code).toMatch(/^[A-Z_]+$/);
    });

    it('accepts an empty batch and stores nothing', async () => {
      expect(await publish([])).toMatchObject({ status: 201, body: { items: [] } });
    });

    it('lists the problems of every bad item and stores nothing of the request (all or nothing)', async () => {
      const tag = `e2e:atomic-${db}`;
      const res = await publish([
        keyword('good zero', { tags: [tag] }),
        { type: 'email', value: 'good.one@example.org', tags: [tag] },
        keyword('good two', { tags: [tag] }),
        { type: 'phone', value: '+31 6 1', tags: [tag] },
        keyword('good four', { tags: [tag] }),
      ]);
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toEqual([{ index: 3, path: ['value'], code: 'PHONE_INVALID', message: expect.any(String) }]);
      expect((await search(`tag=${tag}`)).body.items).toEqual([]);
      expect((await search('type=email&value=good.one@example.org')).body.items).toEqual([]);

      const two = await publish([keyword('fine', { tags: [tag] }), keyword('x', { confidence: -1 }), keyword('fine too'), { type: 'ip', value: '010.0.0.1' }]);
      expect(errorsOf(two).map((e) => [e.index, e.path.join('.'), e.code])).toEqual([
        [1, 'confidence', 'OUT_OF_RANGE'],
        [3, 'value', expect.stringMatching(/^IP_/)],
      ]);
      expect((await search(`tag=${tag}`)).body.items).toEqual([]);
    });

    it('refuses the same value in two spellings in one batch with DUPLICATE_IN_BATCH', async () => {
      const res = await publish([
        { type: 'phone', value: '+31 6 2345 6789', tags: ['e2e:dup'] },
        { type: 'phone', value: '06-23456789', tags: ['e2e:dup'] },
      ]);
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toEqual([expect.objectContaining({ index: 1, path: ['value'], code: 'DUPLICATE_IN_BATCH' })]);
      expect((await search('tag=e2e:dup')).body.items).toEqual([]);
    });

    it('leaves a re-posted value unchanged and bumps the version when an attribute changes', async () => {
      const item = { type: 'username', platform: 'Telegram', value: '@EasyWork', confidence: 60, tags: ['ht:labour'] };
      const [created] = (await publish([item])).body.items;
      expect(created).toMatchObject({ status: 'created', version: 1 });
      const again = await publish([{ ...item, value: 'easywork', platform: 'telegram' }]);
      expect(again.body.items).toEqual([{ id: created.id, version: 1, status: 'unchanged' }]);
      const changed = await publish([{ ...item, confidence: 90 }]);
      expect(changed.body.items).toEqual([{ id: created.id, version: 2, status: 'updated' }]);
      const stored = await call('GET', `/indicators/${created.id}`);
      expect(stored.body.indicator).toMatchObject({ version: 2, confidence: 90, value: 'easywork', platform: 'telegram' });
    });
  });

  describe('searching indicators', () => {
    const tag = 'e2e:search';
    let ids: string[] = [];
    beforeAll(async () => {
      const res = await publish([
        { type: 'phone', value: '+31 6 3456 7890', tags: [tag] },
        { type: 'email', value: 'Pimp@Example.COM', tags: [tag] },
        { type: 'username', platform: 'telegram', value: 'shared_name', tags: [tag] },
        { type: 'username', platform: 'instagram', value: 'shared_name', tags: [tag] },
        { type: 'domain', value: 'BÜCHER-jobs.example', tags: [tag] },
        { type: 'ip', value: '192.0.2.44', tags: [tag] },
        { type: 'url', value: 'HTTPS://Escort-Ads.example.com:443/listing?id=42#photos', tags: [tag] },
      ]);
      expect(res.status).toBe(201);
      ids = res.body.items.map((i: { id: string }) => i.id);
    });

    it.each([
      ['a phone typed nationally', 'type=phone&value=06%2034567890', '+31634567890'],
      ['an e-mail in upper case', 'type=email&value=PIMP%40EXAMPLE.COM', 'pimp@example.com'],
      ['an IDN domain in upper case', 'type=domain&value=B%C3%9CCHER-JOBS.EXAMPLE.', 'xn--bcher-jobs-9db.example'],
      ['a URL spelled differently', 'type=url&value=https%3A%2F%2Fescort-ads.example.com%2Flisting%3Fid%3D42', 'https://escort-ads.example.com/listing?id=42'],
    ])('finds %s as stored', async (_name, query, stored) => {
      const res = await search(query);
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: Item) => i.value)).toEqual([stored]);
    });

    it('filters by type, origin and tag', async () => {
      expect((await search(`type=ip&tag=${tag}`)).body.items.map((i: Item) => i.value)).toEqual(['192.0.2.44']);
      expect((await search(`origin=nl-police&tag=${tag}`)).body.items).toHaveLength(7);
      expect((await search(`origin=de-bka&tag=${tag}`)).body.items).toEqual([]);
      expect((await search('tag=e2e:no-such-tag')).body.items).toEqual([]);
    });

    it('reads a comma in the tag filter as part of one tag, not as a second tag', async () => {
      await publish([keyword('two tags', { tags: ['e2e:left', 'e2e:right'] })]);
      expect((await search('tag=e2e:left')).body.items).toHaveLength(1);
      const res = await search('tag=e2e:left,e2e:right');
      expect(res.status).toBeLessThan(500);
      expect(res.body.items ?? []).toEqual([]);
    });

    it('filters usernames by platform', async () => {
      const res = await search('type=username&value=shared_name&platform=telegram');
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: Item) => i.platform)).toEqual(['telegram']);
    });

    it('pages with a cursor: limit 2 over 7 items returns every item exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await search(`tag=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((i: Item) => i.id as string));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(4);
      expect(seen).toHaveLength(7);
      expect(new Set(seen)).toEqual(new Set(ids));
    });

    it.each([
      ['a cursor it never issued', 'cursor=bm90LWEtY3Vyc29y', 'INVALID_CURSOR'],
      ['limit 0', 'limit=0', 'VALIDATION_FAILED'],
      ['limit 1001', 'limit=1001', 'VALIDATION_FAILED'],
      ['limit "ten"', 'limit=ten', 'VALIDATION_FAILED'],
      ['an unknown query parameter', 'colour=red', 'VALIDATION_FAILED'],
      ['an unknown type', 'type=carrier-pigeon', 'VALIDATION_FAILED'],
      ['a value without a type', 'value=x', 'VALIDATION_FAILED'],
      ['a phone that is no phone', 'type=phone&value=nonsense', 'VALIDATION_FAILED'],
      ['a NUL in the value', 'type=keyword&value=a%00b', 'VALIDATION_FAILED'],
      ['a NUL in the tag', 'tag=ht%00labour', 'VALIDATION_FAILED'],
      ['a bidi override in the tag', 'tag=%E2%80%AEht', 'VALIDATION_FAILED'],
      ['array syntax in the tag', 'tag=%7Bht%7D', 'VALIDATION_FAILED'],
      ['a quote in the tag', 'tag=ht%22labour', 'VALIDATION_FAILED'],
      // 10 KB, not 100: Node's HTTP server caps the request line and headers at 16 KB (431) before any route runs.
      ['a 10 KB value', `type=keyword&value=${'a'.repeat(10_000)}`, 'VALIDATION_FAILED'],
      ['a repeated parameter', 'type=phone&type=email', 'VALIDATION_FAILED'],
      ['a bracketed parameter', 'value[$ne]=x', 'VALIDATION_FAILED'],
    ])('answers 400 for %s', async (_name, query, code) => {
      const res = await search(query);
      expect(res).toMatchObject({ status: 400, body: { error: { code } } });
    });
  });

  describe('bundles this node exported', () => {
    let hash: string;
    beforeAll(async () => {
      await publish([{ type: 'domain', value: 'exported-example.org', tlp: 'clear', tags: ['e2e:bundle'] }]);
      hash = await eventually('an outbound bundle', async () => {
        const res = await call('GET', '/bundles?direction=out&limit=500');
        return res.body.items?.[0]?.hash as string | undefined;
      });
    });

    it('lists it and shows its chain position, signer, and why its entry went out', async () => {
      const res = await call('GET', `/bundles/${hash}`, { role: 'auditor' });
      expect(res.status).toBe(200);
      // Only the TLP:CLEAR domain rides on the community chain; the earlier (amber) indicators were withheld from it.
      const shared = { audience: 'all', action: 'share', reasons: ['default.share', 'default.share-raw'], policyVersion: 1, agreementId: null, bundleHash: hash, entryIndex: 0 };
      expect(res.body).toMatchObject({ hash, direction: 'out', publisher: 'nl-police', audience: 'all', signer: nl.fingerprint, entryCount: 1 });
      expect(res.body.decisions).toEqual([expect.objectContaining(shared)]);
      expect(await call('GET', `/bundles/${hash}/decisions`)).toMatchObject({ status: 200, body: { hash, direction: 'out', items: [expect.objectContaining(shared)] } });
      expect((await call('GET', '/bundles?direction=in')).body.items).toEqual([]);
    });

    it('serves the canonical bytes whose SHA-256 is the hash, and a signature that verifies with the node key', async () => {
      const raw = await fetch(`${nl.url}/api/v1/bundles/${hash}/raw`, { headers: { authorization: `Bearer ${nl.tokens.auditor}` } });
      expect(raw.status).toBe(200);
      const bytes = new Uint8Array(await raw.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(hash);
      expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({ spec: 'palermo/bundle@1', publisher: 'nl-police', audience: 'all' });

      const sig = await call('GET', `/bundles/${hash}/signature`);
      expect(sig.status).toBe(200);
      expect(sig.headers.get('content-type')).toContain('application/pgp-signature');
      expect(sig.body).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
      const node = await call('GET', '/node');
      const verdict = await verifyDetached(bytes, await dearmorSignature(sig.body as string), await readPublicKey(node.body.publicKey));
      expect(verdict).toEqual({ ok: true, fingerprint: nl.fingerprint });
    });

    it.each([
      ['', 'XYZ', 400],
      ['', 'A'.repeat(64), 400],
      ['/raw', 'abc', 400],
      ['/signature', '%00', 400],
      ['/decisions', 'XYZ', 400],
      ['', UNKNOWN_HASH, 404],
      ['/raw', UNKNOWN_HASH, 404],
      ['/decisions', UNKNOWN_HASH, 404],
      ['/signature', UNKNOWN_HASH, 404],
    ])('GET /bundles/:hash%s with %s answers %i', async (suffix, h, status) => {
      const res = await call('GET', `/bundles/${h}${suffix}`);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(status === 404 ? 'BUNDLE_NOT_FOUND' : 'VALIDATION_FAILED');
    });

    it('refuses a bad direction or an unknown parameter', async () => {
      expect((await call('GET', '/bundles?direction=sideways')).status).toBe(400);
      expect((await call('GET', '/bundles?sort=asc')).status).toBe(400);
    });
  });

  describe('one indicator and its revocation', () => {
    let id: string;
    beforeAll(async () => {
      id = (await publish([{ type: 'iban', value: 'nl91 abna 0417 1643 00', tlp: 'amber', tags: ['ht:payment'] }])).body.items[0].id;
    });

    it('shows an own indicator with nl-police as its origin and no import provenance', async () => {
      const res = await call('GET', `/indicators/${id}`, { role: 'auditor' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        indicator: { id, origin: 'nl-police', own: true, type: 'iban', value: 'NL91ABNA0417164300', version: 1, revokedAt: null, expiresAt: null },
        bundleHash: null,
        decision: null,
      });
    });

    it('shows why the export policy kept it home: TLP:AMBER never goes on the community chain (and there is no partner)', async () => {
      const shown = await eventually('the export decision on the amber iban', async () => {
        const res = await call('GET', `/indicators/${id}`, { role: 'auditor' });
        return res.body.exportDecisions?.length > 0 && res.body;
      });
      expect(shown.exportDecisions).toEqual([
        expect.objectContaining({ audience: 'all', originId: id, version: 1, action: 'withhold', reasons: ['baseline.community-clear-only'], bundleHash: null, entryIndex: null }),
      ]);
    });

    it('answers 400 for an id that is no uuid and 404 for an unknown one', async () => {
      expect(await call('GET', '/indicators/not-a-uuid')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
      expect(await call('GET', '/indicators/%00')).toMatchObject({ status: 400 });
      expect(await call('GET', `/indicators/${UNKNOWN_UUID}`)).toMatchObject({ status: 404, body: { error: { code: 'INDICATOR_NOT_FOUND' } } });
    });

    it('revokes for good; revoking again is harmless; the value leaves search results', async () => {
      const first = await call('POST', `/indicators/${id}/revoke`, { body: { reason: 'account closed' } });
      expect(first).toMatchObject({ status: 200, body: { id, version: 2, alreadyRevoked: false } });
      const shown = await call('GET', `/indicators/${id}`);
      expect(shown.body.indicator).toMatchObject({ version: 2, revokeReason: 'account closed', revokedAt: expect.any(String) });
      const again = await call('POST', `/indicators/${id}/revoke`, { body: { reason: 'again' } });
      expect(again).toMatchObject({ status: 200, body: { id, version: 2, alreadyRevoked: true } });
      expect((await call('GET', `/indicators/${id}`)).body.indicator).toMatchObject({ version: 2, revokeReason: 'account closed' });
      expect((await search('type=iban&value=NL91ABNA0417164300')).body.items).toEqual([]);
    });

    it.each([
      ['an unknown id', `/indicators/${UNKNOWN_UUID}/revoke`, { reason: 'x' }, 404],
      ['an empty reason', `/indicators/${UNKNOWN_UUID}/revoke`, { reason: '  ' }, 400],
      ['no reason', `/indicators/${UNKNOWN_UUID}/revoke`, {}, 400],
      ['a bad id', '/indicators/42/revoke', { reason: 'x' }, 400],
      ['a NUL in the reason', `/indicators/${UNKNOWN_UUID}/revoke`, { reason: 'dup\u0000licate' }, 400],
      ['a 100 KB reason', `/indicators/${UNKNOWN_UUID}/revoke`, { reason: 'x'.repeat(100_000) }, 400],
    ])('refuses a revocation with %s', async (_name, path, body, status) => {
      expect((await call('POST', path, { body })).status).toBe(status);
    });

    // Last in this block: when the reason is accepted, it poisons the export queue for the rest of the suite.
    it('refuses a bidi override in a revocation reason (the wire refuses it) and keeps exporting', async () => {
      const [fresh] = (await publish([{ type: 'domain', value: 'revoke-bidi.example', tlp: 'clear' }])).body.items;
      const res = await call('POST', `/indicators/${fresh.id}/revoke`, { body: { reason: 'closed \u202Edesoper' } });
      const [later] = (await publish([{ type: 'domain', value: 'after-revoke-bidi.example', tlp: 'clear' }])).body.items;
      expect.soft(res).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
      expect.soft((await call('GET', `/indicators/${fresh.id}`)).body.indicator.revokedAt).toBeNull();
      await eventually(
        'a bundle carrying the indicator published after the refused revocation',
        async () => {
          for (const b of (await call('GET', '/bundles?direction=out&limit=5')).body.items ?? []) {
            const raw = await fetch(`${nl.url}/api/v1/bundles/${b.hash}/raw`, { headers: { authorization: `Bearer ${nl.tokens.auditor}` } });
            if ((await raw.text()).includes(later.id)) return true;
          }
          return false;
        },
        15_000,
      );
    });
  });

  describe('node, partners, health and OpenAPI', () => {
    it('shows its id, fingerprint and the armored public key of that fingerprint', async () => {
      const res = await call('GET', '/node', { role: 'auditor' });
      expect(res.body).toMatchObject({ nodeId: 'nl-police', jurisdiction: 'NL', fingerprint: nl.fingerprint, protocol: 'palermo/bundle@1' });
      expect(fingerprintOf(await readPublicKey(res.body.publicKey))).toBe(nl.fingerprint);
    });

    it('pins a partner only with the confirmed fingerprint and then lists and follows it', async () => {
      expect((await call('GET', '/partners')).body).toEqual({ items: [] });
      const key = await generateNodeKey({ nodeId: 'be-police', jurisdiction: 'BE' });
      const card = { nodeId: 'be-police', jurisdiction: 'BE', publicKey: key.armoredPublicKey };
      const wrong = await call('POST', '/partners', { role: 'admin', body: { ...card, fingerprint: 'f'.repeat(40) } });
      expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'PARTNER_FINGERPRINT_MISMATCH' } } });
      const self = await call('POST', '/partners', { role: 'admin', body: { ...card, nodeId: 'nl-police', fingerprint: key.fingerprint } });
      expect(self).toMatchObject({ status: 400, body: { error: { code: 'PARTNER_IS_SELF' } } });
      const junk = await call('POST', '/partners', { role: 'admin', body: { ...card, publicKey: 'not a key', fingerprint: key.fingerprint } });
      expect(junk).toMatchObject({ status: 400, body: { error: { code: 'PARTNER_KEY_INVALID' } } });
      const pinned = await call('POST', '/partners', { role: 'admin', body: { ...card, fingerprint: key.fingerprint.toUpperCase() } });
      expect(pinned.status).toBe(201);
      expect((await call('GET', '/partners')).body.items).toEqual([expect.objectContaining({ nodeId: 'be-police', jurisdiction: 'BE', fingerprint: key.fingerprint })]);
      expect((await call('GET', '/health')).body.following).toContain('be-police');
    });

    it('pins a partner from its signed card (admin), refusing a forged card and an unconfirmed fingerprint', async () => {
      const key = await generateNodeKey({ nodeId: 'lu-police', jurisdiction: 'LU' });
      const signed = await makePartnerCard({ nodeId: 'lu-police', jurisdiction: 'LU', privateKey: await readPrivateKey(key.armoredPrivateKey), armoredPublicKey: key.armoredPublicKey, subjects: nodeSubjects });
      expect((await call('POST', '/partners/cards', { role: 'analyst', body: { card: signed, fingerprint: key.fingerprint } })).status).toBe(403);
      const forged = { ...signed, card: { ...signed.card, jurisdiction: 'FR' } };
      expect(await call('POST', '/partners/cards', { role: 'admin', body: { card: forged, fingerprint: key.fingerprint } })).toMatchObject({
        status: 400,
        body: { error: { code: 'CARD_SIGNATURE_INVALID' } },
      });
      expect(await call('POST', '/partners/cards', { role: 'admin', body: { card: signed, fingerprint: 'e'.repeat(40) } })).toMatchObject({
        status: 400,
        body: { error: { code: 'PARTNER_FINGERPRINT_MISMATCH' } },
      });
      const pinned = await call('POST', '/partners/cards', { role: 'admin', body: { card: signed, fingerprint: key.fingerprint } });
      expect(pinned).toMatchObject({ status: 201, body: { nodeId: 'lu-police', jurisdiction: 'LU', fingerprint: key.fingerprint } });
      expect((await call('GET', '/health')).body.following).toContain('lu-police');
    });

    it('reports NATS connected and the database ok on /health', async () => {
      const res = await call('GET', '/health', { role: 'auditor' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', nodeId: 'nl-police', nats: { connected: true }, database: { ok: true, backend: db === 'postgres' ? 'postgresql' : 'pglite' } });
      expect(JSON.stringify(res.body)).not.toMatch(/postgres:\/\//);
    });

    it('serves an OpenAPI document listing /api/v1/indicators with the IndicatorBatch schema', async () => {
      expect((await fetch(`${nl.url}/api/docs`)).status).toBe(200);
      const res = await fetch(`${nl.url}/api/docs-json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, any>; components: { schemas: Record<string, any> } };
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.paths['/api/v1/indicators']?.post?.requestBody?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/IndicatorBatch' });
      expect(doc.components.schemas.IndicatorBatch).toMatchObject({ type: 'object', properties: { indicators: { type: 'array' } } });
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/bundles/{hash}/raw',
          '/api/v1/bundles/{hash}/decisions',
          '/api/v1/node',
          '/api/v1/health',
          '/api/v1/agreements',
          '/api/v1/agreements/{id}/approve',
          '/api/v1/policy',
          '/api/v1/policy/simulate',
          '/api/v1/retention/purges',
        ]),
      );
    });

    it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
      expect(await call('GET', '/no-such-thing')).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
    });
  });

  it('never answered 5xx and logged no unhandled error during the suite', () => {
    expect(serverErrors).toEqual([]);
    expect(nl.process.output()).not.toMatch(/unhandled error/);
  });
});
