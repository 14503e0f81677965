import { describe, expect, it } from 'vitest';
import type { Store } from '@palermo/store';
import type { NodeConfig } from '../node/node-context';
import { DisclosureRelease } from './disclosure.release';
import type { ExportPlanner } from './export.planner';
import type { ExportService } from './export.service';
import type { ExportSigner } from './export.signer';
import { ExportTurns } from './export.turns';

// DisclosureRelease reads the matched indicator in its own export turn: an approval that waited
// behind a long pass plans the indicator as it is after that pass, not as it was before.
describe('DisclosureRelease', () => {
  it('reads the matched indicator only once the running export pass has ended', async () => {
    const events: string[] = [];
    let revoked = false;
    const store = {
      indicators: {
        releaseCandidate: async () => {
          events.push('read');
          return { pk: '7', own: true, originNode: 'de-bka', originId: 'x', revokedAt: revoked ? '2026-12-06T00:00:00.000Z' : null, validUntil: null, expiresAt: null, item: {} };
        },
      },
    } as unknown as Store;
    const turns = new ExportTurns();
    const release = new DisclosureRelease(store, {} as ExportPlanner, {} as ExportService, {} as ExportSigner, turns, {} as NodeConfig);
    let endPass!: () => void;
    const pass = turns.pass(() => new Promise<void>((resolve) => (endPass = resolve)));
    const approving = release.disclose({ partner: 'nl-police', indicatorPk: '7', ruleId: 'disclosure:x' }, async () => 'committed');
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([]);
    // The analyst revokes it while the pass runs.
    revoked = true;
    events.push('pass ends');
    endPass();
    await pass;
    await expect(approving).rejects.toMatchObject({ code: 'DISCLOSURE_INDICATOR_REVOKED' });
    expect(events).toEqual(['pass ends', 'read']);
  });

  it('a release that does not make exactly one bundle is a 500 with a correlation id, and nothing is committed', async () => {
    const candidate = { pk: '7', own: true, originNode: 'de-bka', originId: 'x', revokedAt: null, validUntil: null, expiresAt: null, item: { id: 'x', version: 1, indicator: {}, revoked: null } };
    const agreement = { id: 'a', partner: 'nl-police', state: 'active', directions: ['export'], validFrom: '2020-01-01T00:00:00.000Z', validUntil: null };
    const store = {
      indicators: { releaseCandidate: async () => candidate },
      partners: { list: async () => [{ nodeId: 'nl-police', jurisdiction: 'NL' }] },
      agreements: { allCurrent: async () => [agreement] },
    } as unknown as Store;
    const planner = { disclosure: () => ({ decisions: [] }) } as unknown as ExportPlanner;
    const exporter = { nudge: () => undefined } as unknown as ExportService;
    const signer = { sign: async () => [{ hash: 'a' }, { hash: 'b' }] } as unknown as ExportSigner;
    const release = new DisclosureRelease(store, planner, exporter, signer, new ExportTurns(), { policy: { adequacy: [] } } as unknown as NodeConfig);
    let committed = false;
    const error = await release
      .disclose({ partner: 'nl-police', indicatorPk: '7', ruleId: 'disclosure:x' }, async () => {
        committed = true;
      })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'DISCLOSURE_RELEASE_FAILED', details: { correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(error.message).toContain(error.details.correlationId);
    expect(committed).toBe(false);
  });
});
