import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/roles';
import { collectionId, collectionsFor } from './taxii.collections';
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
    [{ match: { colour: 'red' } }],
    [{ other: '1' }],
  ])('refuses %j', (query) => {
    expect(taxiiQuerySchema.safeParse(query).success).toBe(false);
  });
});

describe('collections per caller', () => {
  const partners = ['de-bka', 'us-hsi'];
  it.each([
    ['analyst', ['local', 'all', 'de-bka', 'us-hsi']],
    ['auditor', ['local', 'all', 'de-bka', 'us-hsi']],
    ['admin', ['local', 'all', 'de-bka', 'us-hsi']],
    ['policy-officer', ['all', 'de-bka', 'us-hsi']],
  ] as const)('%s sees %j', (role, aliases) => {
    expect(collectionsFor(principal(role), 'nl-police', partners).map((c) => c.alias)).toEqual(aliases);
  });

  it('gives a partner token the community feed and its own audience only', () => {
    expect(collectionsFor(principal('partner', 'de-bka'), 'nl-police', partners).map((c) => c.alias)).toEqual(['all', 'de-bka']);
  });

  it('names collections with stable uuids, different per node and audience', () => {
    expect(collectionId('nl-police', 'local')).toBe(collectionId('nl-police', 'local'));
    expect(collectionId('nl-police', 'local')).not.toBe(collectionId('de-bka', 'local'));
    expect(collectionId('nl-police', 'local')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
