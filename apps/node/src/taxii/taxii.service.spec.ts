import { describe, expect, it } from 'vitest';
import type { Tlp, WireIndicator } from '@palermo/indicators';
import type { CollectionEntry, Store } from '@palermo/store';
import type { Principal } from '../auth/roles';
import type { NodeConfig } from '../node/node-context';
import { agreementTerms as agreement } from './taxii.fixtures';
import { taxiiQuerySchema } from './taxii.query';
import { API_ROOT, TaxiiService } from './taxii.service';

// The service over a store stand-in: which data source a collection reads, and what a partner token
// is refused or never served, without a database.

const entry = (n: number, tlp: Tlp): CollectionEntry => {
  const indicator: WireIndicator = {
    id: `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    origin: 'nl-police',
    version: 1,
    type: 'keyword',
    value: `entry ${n} ${tlp}`,
    tlp,
    confidence: 80,
    tags: [],
    firstSeen: '2026-11-01T00:00:00.000Z',
    lastSeen: '2026-11-01T00:00:00.000Z',
    validUntil: null,
    modifiedAt: '2026-11-01T00:00:00.000Z',
  };
  return { position: { kind: 'audience', seq: 1, index: n }, addedAt: `2026-11-01T00:00:00.${String(n).padStart(6, '0')}Z`, indicator, revoked: null };
};

function service(opts: { pinned?: string[]; agreements?: Record<string, ReturnType<typeof agreement>>; publicUrl?: string } = {}) {
  const calls: string[] = [];
  const audit: unknown[] = [];
  const entries = [entry(1, 'green'), entry(2, 'red'), entry(3, 'amber+strict'), entry(4, 'amber')];
  const pinned = opts.pinned ?? ['de-bka', 'local'];
  const store = {
    partners: { list: async () => pinned.map((nodeId) => ({ nodeId })), get: async (id: string) => (pinned.includes(id) ? { nodeId: id } : null) },
    agreements: { activeFor: async (p: string) => opts.agreements?.[p] ?? (p === 'de-bka' ? agreement({ partner: p, state: 'active', validUntil: null }) : null) },
    audit: { append: async (e: unknown) => void audit.push(e) },
    taxii: {
      localPage: async () => (calls.push('local'), { entries, more: false }),
      audiencePage: async (_node: string, audience: string) => (calls.push(`audience:${audience}`), { entries, more: false }),
      audienceByStixIds: async (_node: string, audience: string) => (calls.push(`lookup:${audience}`), { entries, more: false }),
      audienceVersionBounds: async () => new Map(),
    },
  } as unknown as Store;
  const config = { nodeId: 'nl-police', jurisdiction: 'NL', publicUrl: opts.publicUrl } as NodeConfig;
  return { taxii: new TaxiiService(store, config), calls, audit };
}

const who = (role: Principal['role'], partner: string | null = null): Principal => ({ tokenId: 'tok', role, name: 'n', partner });
const q = taxiiQuerySchema.parse({ 'match[version]': 'all' });

describe('TaxiiService', () => {
  it('names the API root at PALERMO_PUBLIC_URL when set, never at a forged Host', () => {
    const forged = 'http://evil.example';
    expect(service({ publicUrl: 'https://palermo.police.example' }).taxii.discovery(forged).body).toMatchObject({ default: 'https://palermo.police.example/taxii2/palermo/', api_roots: ['https://palermo.police.example/taxii2/palermo/'] });
    expect(service().taxii.discovery('http://127.0.0.1:8080').body).toMatchObject({ api_roots: ['http://127.0.0.1:8080/taxii2/palermo/'] });
  });

  it('reads a pinned partner named `local` from its chain, never from the local collection', async () => {
    const { taxii, calls } = service();
    const visible = (await taxii.collections(API_ROOT, who('analyst'))).body as { collections: { alias: string }[] };
    // The legacy row named `local` gets no collection of its own; `local` is the node's collection.
    expect(visible.collections.map((c) => c.alias)).toEqual(['local', 'all', 'de-bka']);
    await taxii.objects(API_ROOT, who('analyst'), 'local', q);
    await taxii.objects(API_ROOT, who('analyst'), 'de-bka', q);
    expect(calls).toEqual(['local', 'audience:de-bka']);
  });

  it.each(['local', 'all'])('refuses a partner token scoped to %s (403, audited), never serving local', async (name) => {
    const { taxii, calls, audit } = service();
    await expect(taxii.objects(API_ROOT, who('partner', name), 'local', q)).rejects.toMatchObject({ code: 'AUTH_FORBIDDEN' });
    expect(calls).toEqual([]);
    expect(audit).toEqual([expect.objectContaining({ action: 'api.refused', details: expect.objectContaining({ partner: name, status: 403 }) })]);
  });

  it.each([
    ['unpinned', { pinned: [] }],
    ['without an agreement in force', { agreements: { 'de-bka': agreement({ state: 'terminated' }) } }],
    ['under a suspended agreement', { agreements: { 'de-bka': agreement({ state: 'suspended', validUntil: null }) } }],
    ['under an import-only agreement', { agreements: { 'de-bka': agreement({ state: 'active', validUntil: null, directions: ['import'] }) } }],
  ])('refuses a partner token whose partner is %s', async (_name, opts) => {
    const { taxii, calls } = service(opts);
    await expect(taxii.collections(API_ROOT, who('partner', 'de-bka'))).rejects.toMatchObject({ code: 'AUTH_FORBIDDEN' });
    await expect(taxii.objects(API_ROOT, who('partner', 'de-bka'), 'de-bka', q)).rejects.toMatchObject({ code: 'AUTH_FORBIDDEN' });
    expect(calls).toEqual([]);
  });

  it('never serves TLP:AMBER+STRICT or TLP:RED chain entries to a partner token; staff see them', async () => {
    const { taxii } = service();
    const names = async (p: Principal) => ((await taxii.objects(API_ROOT, p, 'de-bka', q)).body as { objects: { name: string }[] }).objects.map((o) => o.name);
    expect(await names(who('partner', 'de-bka'))).toEqual(['entry 1 green', 'entry 4 amber']);
    expect(await names(who('analyst'))).toEqual(['entry 1 green', 'entry 2 red', 'entry 3 amber+strict', 'entry 4 amber']);
    const red = ((await taxii.objects(API_ROOT, who('analyst'), 'de-bka', q)).body as { objects: { id: string; name: string }[] }).objects.find((o) => o.name.includes('red'))!;
    await expect(taxii.object(API_ROOT, who('partner', 'de-bka'), 'de-bka', red.id, q)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    expect((await taxii.object(API_ROOT, who('analyst'), 'de-bka', red.id, q)).body).toMatchObject({ objects: [{ id: red.id }] });
  });
});
