import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { bundleHash, canonicalBytes, checkChain, parseBundleBytes, type ChainHead } from '@palermo/bundles';
import type { Tlp, WireIndicator } from '@palermo/indicators';
import { BaselineExportPolicy } from '@palermo/policy';
import type { PendingExport } from '@palermo/store';
import { ExportPlanner, type ChainHeads } from './export.planner';

const me = 'nl-police';
const partner = 'de-bka';

function pending(n: number, tlp: Tlp, revokedEvery = 0): PendingExport[] {
  return Array.from({ length: n }, (_, i) => {
    const indicator: WireIndicator = {
      id: uuidv7(),
      origin: me,
      version: 1,
      type: 'email',
      value: `user${i}.${tlp}@example.org`,
      tlp,
      confidence: 60,
      tags: ['ht:recruitment'],
      firstSeen: '2025-01-01T00:00:00.000Z',
      lastSeen: '2025-02-01T00:00:00.000Z',
      validUntil: null,
      modifiedAt: '2025-02-01T00:00:00.000Z',
      ...(i % 3 === 0 ? { description: `Anzeige „${i}“ 🙂` } : {}),
    };
    const revoked = revokedEvery > 0 && i % revokedEvery === 0 ? { at: '2025-03-01T00:00:00.000Z', reason: 'closed' } : null;
    return { id: indicator.id, version: 1, indicator, revoked };
  });
}

describe('ExportPlanner.plan', () => {
  it('yields linked bundles per audience with the canonical bytes and hash they are signed with', () => {
    const planner = new ExportPlanner(new BaselineExportPolicy());
    const heads: ChainHeads = new Map([
      ['all', { seq: 7, hash: 'c'.repeat(64) }],
      [partner, null],
    ]);
    const items = [...pending(60, 'green', 7), ...pending(40, 'amber')];
    const maxBytes = 8_000;
    const planned = [...planner.plan(me, [partner], items, heads, maxBytes)];

    const byAudience = new Map<string, ChainHead | null>(heads);
    for (const { bundle, bytes, hash } of planned) {
      expect(Buffer.from(bytes).equals(Buffer.from(canonicalBytes(bundle)))).toBe(true);
      expect(hash).toBe(bundleHash(bytes));
      expect(bytes.length).toBeLessThanOrEqual(maxBytes);
      expect(parseBundleBytes(bytes, { maxBytes })).toMatchObject({ ok: true, hash });
      expect(checkChain(byAudience.get(bundle.audience) ?? null, bundle)).toEqual({ ok: true });
      byAudience.set(bundle.audience, { seq: bundle.seq, hash });
    }
    const ids = (audience: string) =>
      planned.filter((p) => p.bundle.audience === audience).flatMap((p) => p.bundle.entries.map((e) => (e.op === 'upsert' ? e.indicator.id : e.id)));
    // Green goes to the community chain only; amber to the partner only (never to `all`).
    expect(ids('all')).toEqual(items.slice(0, 60).map((p) => p.id));
    expect(ids(partner)).toEqual(items.slice(60).map((p) => p.id));
    expect(planned.filter((p) => p.bundle.audience === 'all').length).toBeGreaterThan(1);
    expect(planned[0]!.bundle).toMatchObject({ audience: 'all', seq: 8, prev: 'c'.repeat(64) });
    expect(planned.flatMap((p) => p.bundle.entries).filter((e) => e.op === 'revoke')).toHaveLength(9);
  });

  it('yields nothing when the policy withholds everything', () => {
    const planner = new ExportPlanner(new BaselineExportPolicy());
    expect([...planner.plan(me, [], pending(5, 'red'), new Map(), 8_000)]).toEqual([]);
  });

  it('sends a revocation everywhere, but its reason only where the current version may go', () => {
    const planner = new ExportPlanner(new BaselineExportPolicy());
    const heads: ChainHeads = new Map([['all', null], [partner, null]]);
    // Raised to RED (or AMBER) after an earlier, shareable version went out, then revoked.
    const [red] = pending(1, 'red', 1);
    const [amber] = pending(1, 'amber', 1);
    const planned = [...planner.plan(me, [partner], [red!, amber!], heads, 64_000)];
    const revokes = (audience: string) =>
      planned.filter((p) => p.bundle.audience === audience).flatMap((p) => p.bundle.entries.filter((e) => e.op === 'revoke'));
    expect(revokes('all')).toEqual([
      { op: 'revoke', id: red!.id, reason: 'revoked by the origin' },
      { op: 'revoke', id: amber!.id, reason: 'revoked by the origin' },
    ]);
    expect(revokes(partner)).toEqual([
      { op: 'revoke', id: red!.id, reason: 'revoked by the origin' },
      { op: 'revoke', id: amber!.id, reason: 'closed' },
    ]);
    expect(planned.flatMap((p) => p.bundle.entries).some((e) => e.op === 'upsert')).toBe(false);
  });
});

