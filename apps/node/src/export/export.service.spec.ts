import { afterEach, describe, expect, it } from 'vitest';
import type { FeedPublisher, FeedPublishInput } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import type { Store } from '@palermo/store';
import type { NodeConfig, NodeKeys } from '../node/node-context';
import { ExportService } from './export.service';
import type { ExportPlanner } from './export.planner';
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
    indicators: { pendingExport: async () => [] },
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
  const exporter = new ExportService(store, publisher, {} as ExportPlanner, {} as RelayPlanner, outbound, config, {} as NodeKeys);
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
