import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireIndicator } from '@palermo/indicators';
import { BACKENDS, bundleOf, input, nodeId, openTestStore, type TestStore } from '../store.fixtures';
import type { IndicatorRecord, IndicatorInput } from '../store.types';

/** The wire form the exporter built from hydrated entities before pendingExport read plain rows. */
function wireFromRecord(record: IndicatorRecord): WireIndicator {
  const wire: WireIndicator = {
    id: record.id,
    origin: record.origin,
    version: record.version,
    type: record.type,
    value: record.value!,
    tlp: record.tlp,
    confidence: record.confidence,
    tags: record.tags,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    validUntil: record.validUntil,
    modifiedAt: record.modifiedAt,
  };
  if (record.platform !== null) wire.platform = record.platform;
  if (record.chain !== null) wire.chain = record.chain;
  if (record.description !== null) wire.description = record.description;
  return wire;
}

const CASES: [string, Partial<IndicatorInput> & Pick<IndicatorInput, 'value'>][] = [
  ['no optional field', { value: 'plain@example.org' }],
  ['platform', { type: 'username', value: 'recruit.er', platform: 'telegram' }],
  ['chain', { type: 'crypto-wallet', value: '0x52908400098527886e0f7030069857d2e4169ee7', chain: 'eth' }],
  ['description (non-ASCII) and validUntil', { value: 'desc@example.org', description: 'Anzeige „Jobs“ — 求人 🙂', validUntil: '2027-01-02T03:04:05.678Z' }],
  ['milliseconds in the seen window', { value: 'ms@example.org', firstSeen: '2025-01-01T00:00:00.001Z', lastSeen: '2025-12-31T23:59:59.999Z' }],
  ['empty tags', { value: 'notags@example.org', tags: [] }],
];

describe.each(BACKENDS)('pendingExport reads plain rows (%s)', (backend) => {
  let t: TestStore;
  const me = nodeId('pe');
  beforeAll(async () => {
    t = await openTestStore(backend, 'pending_export');
  });
  afterAll(async () => t?.dispose());

  it('maps every column exactly as the entity mapping did (absent optional fields are left out)', async () => {
    const results = await t.store.indicators.upsertOwn(me, CASES.map(([, item]) => input(item)));
    const revoked = results[1]!.id;
    await t.store.indicators.revokeOwn(revoked, 'account closed');
    const pending = (await t.store.indicators.pendingExport(1000)).filter((p) => p.indicator.origin === me);
    // Oldest change first: the revocation is the newest change.
    expect(pending.map((p) => p.id)).toEqual([...results.map((r) => r.id).filter((id) => id !== revoked), revoked]);
    for (const p of pending) {
      const stored = await t.store.indicators.getWithProvenance(p.id, me);
      // toStrictEqual: a key present with `undefined` would differ from an absent key.
      expect(p.indicator).toStrictEqual(wireFromRecord(stored!.indicator));
      expect(Object.keys(p.indicator).sort()).toEqual(Object.keys(wireFromRecord(stored!.indicator)).sort());
      expect(p.version).toBe(stored!.indicator.version);
      expect(p.revoked).toEqual(stored!.indicator.revokedAt === null ? null : { at: stored!.indicator.revokedAt, reason: 'account closed' });
    }
    expect(pending.find((p) => p.id === revoked)?.revoked).toMatchObject({ reason: 'account closed' });

    const out = bundleOf(me, 'all', ((await t.store.bundles.chainHead(me, 'all'))?.seq ?? 0) + 1, null, []);
    await t.store.bundles.saveOutbound({ ...out, exported: pending.map((p) => ({ id: p.id, version: p.version })) });
    expect((await t.store.indicators.pendingExport(1000)).filter((p) => p.indicator.origin === me)).toEqual([]);
  });

  it('honours the limit, oldest change first', async () => {
    const other = nodeId('pe');
    await t.store.indicators.upsertOwn(other, [input({ value: 'l1@example.org' }), input({ value: 'l2@example.org' })]);
    const page = await t.store.indicators.pendingExport(1);
    expect(page).toHaveLength(1);
    await expect(t.store.indicators.pendingExport(0)).rejects.toMatchObject({ code: 'INVALID_LIMIT' });
  });
});
