import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/roles';
import { agreementTerms as agreement } from './taxii.fixtures';
import { collectionId, collectionsFor } from './taxii.collections';
import { isRestrictedTlp, partnerAccessProblem } from './taxii.partner-access';
import { decodeNext, encodeNext } from './taxii.cursor';
import { acceptsTaxii } from './taxii.media';
import { taxiiQuerySchema } from './taxii.query';

const principal = (role: Principal['role'], partner: string | null = null): Principal => ({ tokenId: 't', role, name: 'n', partner });

describe('Accept negotiation', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['application/taxii+json;version=2.1', true],
    ['application/taxii+json; version="2.1"', true],
    ['application/taxii+json', true],
    ['APPLICATION/TAXII+JSON;VERSION=2.1', true],
    ['*/*', true],
    ['application/*', true],
    ['text/html, application/taxii+json;version=2.1;q=0.5', true],
    ['application/json', false],
    ['application/stix+json;version=2.1', false],
    ['application/taxii+json;version=2.0', false],
    ['application/taxii+json;version=2.1;q=0', false],
    ['*/*;q=0', false],
    ['text/html', false],
    [';;;,,,', false],
  ])('%s → %s', (accept, ok) => {
    expect(acceptsTaxii(accept)).toBe(ok);
  });
});

describe('next cursors', () => {
  it('round-trip both kinds of position, bound to their collection', () => {
    expect(decodeNext('c1', encodeNext('c1', { kind: 'local', seq: '42' }))).toEqual({ kind: 'local', seq: '42' });
    expect(decodeNext('c1', encodeNext('c1', { kind: 'audience', seq: 3, index: 7 }))).toEqual({ kind: 'audience', seq: 3, index: 7 });
    expect(() => decodeNext('c2', encodeNext('c1', { kind: 'local', seq: '42' }))).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
  });

  it.each([
    ['garbage', 'not a cursor'],
    ['empty JSON', Buffer.from('{}').toString('base64url')],
    ['a SQL seq', Buffer.from(JSON.stringify({ v: 1, c: 'c1', l: '1 or 1=1' })).toString('base64url')],
    ['a huge seq', Buffer.from(JSON.stringify({ v: 1, c: 'c1', l: '9'.repeat(30) })).toString('base64url')],
    ['a negative bundle seq', Buffer.from(JSON.stringify({ v: 1, c: 'c1', s: -1, i: 0 })).toString('base64url')],
    ['a fractional index', Buffer.from(JSON.stringify({ v: 1, c: 'c1', s: 1, i: 0.5 })).toString('base64url')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, c: 'c1', l: '1' })).toString('base64url')],
    ['an oversize cursor', 'A'.repeat(10_000)],
  ])('refuse %s', (_name, next) => {
    expect(() => decodeNext('c1', next)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
  });
});

describe('TAXII query parameters', () => {
  it('reads match[] in either shape Express may hand over, and lowers a large limit', () => {
    const nested = taxiiQuerySchema.parse({ match: { type: 'indicator,sighting', version: 'all' }, limit: '5000' });
    const flat = taxiiQuerySchema.parse({ 'match[type]': ['indicator', 'sighting'], 'match[version]': 'all', limit: '5000' });
    expect(nested).toEqual(flat);
    expect(flat).toMatchObject({ limit: 1000, 'match[type]': ['indicator', 'sighting'], 'match[version]': ['all'] });
    expect(taxiiQuerySchema.parse({})).toEqual({ limit: 100 });
  });

  it.each([
    [{ limit: '0' }],
    [{ limit: 'x' }],
    [{ added_after: '2026-11-29' }],
    [{ added_after: '2026-11-29T10:00:00+02:00' }],
    [{ 'match[version]': 'newest' }],
    [{ 'match[id]': 'indicator--x' }],
    [{ 'match[type]': '' }],
    [{ next: '' }],
    [{ limit: ['1', '2'] }],
    [{ 'match[type]': 'indicator', match: { version: 'sometimes' } }],
  ])('refuses %j', (query) => {
    expect(taxiiQuerySchema.safeParse(query).success).toBe(false);
  });

  it.each([
    [{ match: { colour: 'red' } }],
    [{ 'match[relationship_type]': 'indicates' }],
    [{ other: '1' }],
    [{ _: '1732870000000', limit: '5' }],
  ])('ignores the unknown parameter or unsupported filter in %j', (query) => {
    const parsed = taxiiQuerySchema.parse(query);
    expect(Object.keys(parsed).sort()).toEqual(['limit']);
  });
});

describe('collections per caller', () => {
  const partners = ['de-bka', 'us-hsi'];
  it.each([
    ['analyst', ['local', 'all', 'de-bka', 'us-hsi']],
    ['auditor', ['local', 'all', 'de-bka', 'us-hsi']],
    ['policy-officer', ['local', 'all', 'de-bka', 'us-hsi']],
    // The operator does not read values (as on GET /indicators): no `local`.
    ['admin', ['all', 'de-bka', 'us-hsi']],
  ] as const)('%s sees %j', (role, aliases) => {
    expect(collectionsFor(principal(role), 'nl-police', partners).map((c) => c.alias)).toEqual(aliases);
  });

  it('gives a partner token the community feed and its own audience only', () => {
    expect(collectionsFor(principal('partner', 'de-bka'), 'nl-police', partners).map((c) => c.alias)).toEqual(['all', 'de-bka']);
  });

  it('names collections with stable uuids, different per node, kind and audience', () => {
    expect(collectionId('nl-police', 'local', 'local')).toBe(collectionId('nl-police', 'local', 'local'));
    expect(collectionId('nl-police', 'local', 'local')).not.toBe(collectionId('de-bka', 'local', 'local'));
    expect(collectionId('nl-police', 'local', 'local')).not.toBe(collectionId('nl-police', 'audience', 'local'));
    expect(collectionId('nl-police', 'community', 'all')).not.toBe(collectionId('nl-police', 'audience', 'all'));
    expect(collectionId('nl-police', 'local', 'local')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each(['local', 'all'])('gives a partner token scoped to the reserved name %s no collection of that name', (name) => {
    const visible = collectionsFor(principal('partner', name), 'nl-police', partners);
    expect(visible.map((c) => c.kind)).toEqual(['community']);
    expect(visible.every((c) => c.withholdRestricted)).toBe(true);
  });

  it.each(['local', 'all'])('never turns a pinned partner named %s into a second local or community collection', (name) => {
    const visible = collectionsFor(principal('analyst'), 'nl-police', [...partners, name]);
    expect(visible.map((c) => `${c.kind}:${c.alias}`)).toEqual(['local:local', 'community:all', 'audience:de-bka', 'audience:us-hsi']);
    expect(new Set(visible.map((c) => c.id)).size).toBe(visible.length);
  });

  it('withholds restricted TLP from partner tokens only', () => {
    expect(collectionsFor(principal('partner', 'de-bka'), 'nl-police', partners).map((c) => c.withholdRestricted)).toEqual([true, true]);
    expect(collectionsFor(principal('analyst'), 'nl-police', partners).some((c) => c.withholdRestricted)).toBe(false);
    expect((['clear', 'green', 'amber', 'amber+strict', 'red'] as const).filter(isRestrictedTlp)).toEqual(['amber+strict', 'red']);
  });
});

describe('partner token access', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const inForce = agreement({ partner: 'de-bka', state: 'active', directions: ['export', 'import'], validFrom: '2026-01-01T00:00:00Z', validUntil: null });
  it.each([
    ['in force', 'de-bka', true, inForce, null],
    ['a reserved partner name', 'local', true, inForce, /not a node id/],
    ['no partner', null, true, inForce, /not a node id/],
    ['an unpinned partner', 'de-bka', false, inForce, /not pinned/],
    ['no agreement', 'de-bka', true, null, /none/],
    ['a suspended agreement', 'de-bka', true, { ...inForce, state: 'suspended' as const }, /suspended/],
    ['an expired agreement', 'de-bka', true, { ...inForce, validUntil: '2026-06-01T00:00:00Z' }, /expired/],
    ['an import-only agreement', 'de-bka', true, { ...inForce, directions: ['import' as const] }, /publish/],
  ])('%s', (_name, partner, pinned, terms, problem) => {
    const answer = partnerAccessProblem(partner, pinned, terms, now);
    if (problem === null) expect(answer).toBeNull();
    else expect(answer).toMatch(problem);
  });
});
