import { describe, expect, it } from 'vitest';
import { pseudonymize } from '@palermo/policy';
import type { AlertMatch, ChangedIndicator, CorrelationPage, NearMatchResult, Store } from '@palermo/store';
import type { NodeKeys } from '../node/node-context';
import { AlertCorrelator } from './alert.correlator';

// The correlator with the store played by a fake: which match keys it derives from a page of
// changes, that it hands pages over in order and moves on only after a page was applied, and that a
// failed page is read again on the next run (nothing lost, the cursor stays behind it).
const secret = new Uint8Array(32).fill(7);
const keys = { pseudonymSecret: secret } as unknown as NodeKeys;
const PDQ = `pdq:${'0'.repeat(64)}`;

function change(pk: number, overrides: Partial<ChangedIndicator>): ChangedIndicator {
  return { pk: String(pk), changeSeq: String(pk * 10), origin: 'nl-police', own: true, type: 'phone', value: '+31612345678', pseudonym: null, platform: null, chain: null, active: true, ...overrides };
}

function fakeStore(changes: ChangedIndicator[], near: NearMatchResult['matches'] = [], failFirst = false) {
  let cursor = '0';
  let failures = failFirst ? 1 : 0;
  const applied: CorrelationPage[] = [];
  const thresholds: (number | undefined)[] = [];
  const store = {
    alerts: {
      cursor: async () => cursor,
      changesAfter: async (after: string, limit: number) => changes.filter((c) => BigInt(c.changeSeq) > BigInt(after)).slice(0, limit),
      applyPage: async (page: CorrelationPage) => {
        if (failures-- > 0) throw new Error('database went away');
        applied.push(page);
        cursor = page.upTo;
        return [];
      },
      sweep: async () => 0,
    },
    nearMatches: {
      nearest: async (_value: string, threshold?: number) => (thresholds.push(threshold), { algorithm: 'pdq', threshold: threshold ?? 31, matches: near }),
    },
  } as unknown as Store;
  return { store, applied, thresholds, cursor: () => cursor };
}

async function runOnce(correlator: AlertCorrelator) {
  correlator.kick();
  await correlator.idle();
}

describe('AlertCorrelator', () => {
  it('derives the natural key, this node’s pseudonym and the near pairs of other origins', async () => {
    const f = fakeStore(
      [
        change(1, {}),
        change(2, { origin: 'de-bka', own: false, type: 'username', value: 'anna', platform: 'telegram' }),
        change(3, { origin: 'de-bka', own: false, type: 'iban', value: null, pseudonym: 'hmac-sha256:' + 'a'.repeat(64) }),
        change(4, { type: 'image-hash', value: PDQ }),
      ],
      [
        { id: 'x', origin: 'nl-police', own: true, value: PDQ, tlp: 'green', distance: 0 },
        { id: 'y', origin: 'de-bka', own: false, value: `pdq:${'0'.repeat(63)}1`, tlp: 'green', distance: 1 },
        { id: 'z', origin: 'us-hsi', own: false, value: `pdq:${'0'.repeat(63)}3`, tlp: 'green', distance: 2 },
      ],
    );
    await runOnce(new AlertCorrelator(f.store, keys, { pdqThreshold: 20, phashThreshold: 10 }));
    expect(f.applied).toHaveLength(1);
    const [page] = f.applied;
    expect(page!.upTo).toBe('40');
    expect(page!.indicatorPks).toEqual(['1', '2', '3', '4']);
    expect(page!.keys.map((k) => k.pseudonym)).toEqual([
      pseudonymize(secret, 'phone', '+31612345678'),
      pseudonymize(secret, 'username', 'anna'),
      'hmac-sha256:' + 'a'.repeat(64),
      pseudonymize(secret, 'image-hash', PDQ),
    ]);
    const notPseudonym = page!.matches.filter((m): m is Exclude<AlertMatch, { kind: 'pseudonym' }> => m.kind !== 'pseudonym');
    expect(notPseudonym).toEqual([
      { kind: 'exact', type: 'phone', value: '+31612345678', qualifier: '' },
      { kind: 'exact', type: 'username', value: 'anna', qualifier: 'telegram' },
      { kind: 'exact', type: 'image-hash', value: PDQ, qualifier: '' },
      // Its own origin's hash and an equal one are left out; the configured threshold is used.
      { kind: 'near', a: PDQ, b: `pdq:${'0'.repeat(63)}1`, distance: 1 },
      { kind: 'near', a: PDQ, b: `pdq:${'0'.repeat(63)}3`, distance: 2 },
    ]);
    expect(f.thresholds).toEqual([20]);
  });

  it('reads a failed page again on the next run, and pages through in order', async () => {
    const changes = Array.from({ length: 450 }, (_, i) => change(i + 1, { value: `+3161234${String(i).padStart(4, '0')}` }));
    const f = fakeStore(changes, [], true);
    const correlator = new AlertCorrelator(f.store, keys, { pdqThreshold: 31, phashThreshold: 10 });
    await runOnce(correlator);
    expect(f.applied).toEqual([]);
    expect(f.cursor()).toBe('0');
    await runOnce(correlator);
    expect(f.applied.map((p) => p.indicatorPks.length)).toEqual([200, 200, 50]);
    expect(f.cursor()).toBe('4500');
    await runOnce(correlator);
    expect(f.applied).toHaveLength(3);
  });
});
