import { afterEach, describe, expect, it } from 'vitest';
import type { FeedPublisher, FeedPublishInput } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import type { Store } from '@palermo/store';
import type { NodeConfig, NodeKeys } from '../node/node-context';
import { ExportService } from './export.service';
import { ExportSigner } from './export.signer';
import { ExportTurns } from './export.turns';
import { generateNodeKey, readPrivateKey } from '@palermo/bundles';
import type { PendingExport, PendingRelay } from '@palermo/store';
import type { PolicyHolder } from '../policy/policy.holder';
import { addEntry, emptyPlan, ExportPlanner } from './export.planner';
import type { RelayPlanner } from './relay.planner';
import type { OutboundMessages, StoredOutbound } from './outbound.message';

// The publishing half of the exporter with the store, NATS and the message builder played by fakes:
// a bundle that cannot be built for its audience (the partner's pinned key cannot be encrypted to)
// holds that partner's chain only; `all` and the other partners keep publishing, in chain order.
const agreement = (partner: string) => ({ partner, state: 'active', validFrom: '2020-01-01T00:00:00Z', validUntil: null, directions: ['export', 'import'], backfilledAt: '2020-01-01T00:00:00Z' });

function setup(rows: { audience: string; seq: number }[], unencryptable: Set<string>) {
  const unpublished = rows.map((r) => ({ ...r, hash: `${r.audience}-${r.seq}`.padEnd(64, '0'), upsertCount: 1 }) as unknown as StoredOutbound);
  const published: string[] = [];
  const attempted: string[] = [];
  const store = {
    agreements: { allCurrent: async () => [agreement('fr-pn'), agreement('nl-police')] },
    partners: { list: async () => [{ nodeId: 'fr-pn' }, { nodeId: 'nl-police' }] },
    indicators: { pendingExport: async () => [], pendingRelay: async () => [] },
    bundles: {
      unpublishedOutbound: async (limit: number, audiences: string[]) => unpublished.filter((b) => audiences.includes(b.audience) && !published.includes(b.hash)).slice(0, limit),
      markAttempted: async (hash: string) => (attempted.push(hash), true),
      markPublished: async () => true,
    },
  } as unknown as Store;
  const publisher = {
    publish: async (input: FeedPublishInput) => (published.push(input.hash), { streamSeq: published.length }),
  } as unknown as FeedPublisher;
  const outbound = {
    build: async (stored: StoredOutbound) => {
      if (unencryptable.has(stored.audience)) throw new DomainError('BUNDLE_ENCRYPTION_FAILED', `cannot encrypt to key of ${stored.audience}`);
      return { hash: stored.hash, audience: stored.audience } as unknown as FeedPublishInput;
    },
  } as unknown as OutboundMessages;
  const config = { nodeId: 'de-bka', export: { maxDelayMs: 10, maxBundleBytes: 1 << 20 }, policy: { adequacy: [] } } as unknown as NodeConfig;
  const exporter = new ExportService(store, publisher, {} as ExportPlanner, {} as RelayPlanner, outbound, config, {} as ExportSigner, new ExportTurns());
  return { exporter, published, attempted, hashOf: (audience: string, seq: number) => `${audience}-${seq}`.padEnd(64, '0') };
}

let running: ExportService | undefined;
afterEach(async () => running?.onApplicationShutdown());

describe('ExportService publishing', () => {
  it('holds only the chain whose bundle cannot be encrypted; all and the other partner go on, in order', async () => {
    const rows = [
      { audience: 'all', seq: 1 },
      { audience: 'fr-pn', seq: 1 },
      { audience: 'fr-pn', seq: 2 },
      { audience: 'all', seq: 2 },
      { audience: 'nl-police', seq: 1 },
      { audience: 'all', seq: 3 },
    ];
    const unencryptable = new Set(['fr-pn']);
    const t = setup(rows, unencryptable);
    running = t.exporter;
    await t.exporter.runNow();
    expect(t.published).toEqual([t.hashOf('all', 1), t.hashOf('all', 2), t.hashOf('nl-police', 1), t.hashOf('all', 3)]);
    // Not marked attempted: an ended agreement can still cancel what never left.
    expect(t.attempted).not.toContain(t.hashOf('fr-pn', 1));
    expect(t.exporter.heldAudiences()).toEqual([expect.objectContaining({ audience: 'fr-pn', bundle: t.hashOf('fr-pn', 1), code: 'BUNDLE_ENCRYPTION_FAILED' })]);

    // Still held on the next pass; once the partner's key works again (new pin), its chain follows in order.
    await t.exporter.runNow();
    expect(t.published).toHaveLength(4);
    unencryptable.clear();
    await t.exporter.runNow();
    expect(t.published.slice(4)).toEqual([t.hashOf('fr-pn', 1), t.hashOf('fr-pn', 2)]);
    expect(t.exporter.heldAudiences()).toEqual([]);
  });

  it('still stops the pass on errors that are not the audience’s (NATS away keeps the order)', async () => {
    const t = setup([{ audience: 'all', seq: 1 }], new Set());
    running = t.exporter;
    (t.exporter as unknown as { publisher: FeedPublisher }).publisher.publish = async () => {
      throw new DomainError('NATS_UNAVAILABLE', 'down');
    };
    await t.exporter.runNow();
    expect(t.published).toEqual([]);
    expect(t.exporter.heldAudiences()).toEqual([]);
  });
});

// Signing what a relay batch decided: a plan that carries entries reads its chain head and becomes a
// signed bundle; a plan of decisions only (a chain without onward sharing) reads no head, and its
// decisions and the batch's relay marks are still saved in the one transaction.
describe('ExportService relay batches', () => {
  it('reads the chain head only for plans that carry entries; decisions-only plans are saved without one', async () => {
    const material = await generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' });
    const keys = { privateKey: await readPrivateKey(material.armoredPrivateKey), fingerprint: material.fingerprint } as unknown as NodeKeys;
    const id = '01890000-0000-7000-8000-000000000001';
    const p = {
      id,
      originNode: 'nl-police',
      receivedFrom: 'nl-police',
      version: 1,
      pseudonymized: false,
      revoked: null,
      indicator: { id, origin: 'nl-police', version: 1, type: 'email', value: 'x@example.org', tlp: 'green', confidence: 60, tags: [], firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-01-01T00:00:00.000Z', validUntil: null, modifiedAt: '2025-01-01T00:00:00.000Z' },
    } as unknown as PendingRelay;
    const decision = (audience: string, action: 'share' | 'withhold') => ({ audience, originId: id, version: 1, action, reasons: [], policyVersion: 1, agreementId: null, bundleHash: null, entryIndex: null });
    const withheld = emptyPlan('fr-pn');
    withheld.decisions.push(decision('fr-pn', 'withhold'));
    const relayedTo = emptyPlan('us-hsi');
    relayedTo.decisions.push(decision('us-hsi', 'share'));
    addEntry(relayedTo, { op: 'upsert', indicator: p.indicator }, p as unknown as PendingExport);

    const heads: string[] = [];
    const saved: { bundles: { bundle: { audience: string; seq: number } }[]; decisions: { audience: string; bundleHash: string | null }[]; relayed?: unknown[] }[] = [];
    let batches = [[p]];
    const store = {
      agreements: { allCurrent: async () => [] },
      partners: { list: async () => [] },
      indicators: { pendingExport: async () => [], pendingRelay: async () => batches.shift() ?? [] },
      exportDecisions: { sharedAudiences: async () => new Map() },
      bundles: {
        unpublishedOutbound: async () => [],
        chainHead: async (_publisher: string, audience: string) => (heads.push(audience), null),
        saveOutbound: async (input: (typeof saved)[number]) => (saved.push(input), 'saved'),
      },
    } as unknown as Store;
    const publisher = { maxPayload: () => 1 << 20 } as unknown as FeedPublisher;
    const relays = { decide: () => [withheld, relayedTo] } as unknown as RelayPlanner;
    const config = { nodeId: 'de-bka', export: { maxDelayMs: 10, maxBundleBytes: 1 << 20 }, policy: { adequacy: [] } } as unknown as NodeConfig;
    const planner = new ExportPlanner({} as PolicyHolder);
    const exporter = new ExportService(store, publisher, planner, relays, {} as OutboundMessages, config, new ExportSigner(store, publisher, planner, config, keys), new ExportTurns());
    running = exporter;
    await exporter.runNow();

    expect(heads).toEqual(['us-hsi']);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.bundles.map((b) => [b.bundle.audience, b.bundle.seq])).toEqual([['us-hsi', 1]]);
    expect(saved[0]!.decisions).toEqual([expect.objectContaining({ audience: 'fr-pn', bundleHash: null }), expect.objectContaining({ audience: 'us-hsi', bundleHash: expect.any(String) })]);
    expect(saved[0]!.relayed).toEqual([{ originNode: 'nl-police', id, version: 1, revoked: false }]);
    batches = [];
  });
});
