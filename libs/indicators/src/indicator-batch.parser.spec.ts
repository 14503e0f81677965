import { describe, expect, it } from 'vitest';
import { parseIndicatorBatch } from './schemas/indicator-batch.parser';

const NL = { defaultRegion: 'NL' };

/** `count` distinct, valid items of several types. */
function items(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    switch (i % 4) {
      case 0:
        return { type: 'phone', value: `06 1234 ${String(i).padStart(4, '0')}`, tags: ['ht:recruitment'] };
      case 1:
        return { type: 'domain', value: `Host-${i}.Example.COM` };
      case 2:
        return { type: 'ip', value: `10.${(i >> 8) & 255}.${i & 255}.1` };
      default:
        return { type: 'keyword', value: `Code Word ${i}`, tlp: 'green', confidence: 70 };
    }
  });
}

describe('parseIndicatorBatch', () => {
  it('accepts 10,000 items, normalized, in order', () => {
    const started = performance.now();
    const result = parseIndicatorBatch({ indicators: items(10_000) }, NL);
    const elapsed = performance.now() - started;
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.items).toHaveLength(10_000);
    expect(result.items[0]).toEqual({ type: 'phone', value: '+31612340000', tlp: 'amber', confidence: 50, tags: ['ht:recruitment'] });
    expect(result.items[1]).toMatchObject({ type: 'domain', value: 'host-1.example.com' });
    expect(result.items[9_999]).toMatchObject({ type: 'keyword', value: 'code word 9999', tlp: 'green' });
    expect(elapsed).toBeLessThan(5_000); // generous: a shared 2-core machine; typically well under a second
  });

  it('refuses 10,001 items with one TOO_MANY_ITEMS error, without reading them', () => {
    const result = parseIndicatorBatch({ indicators: items(10_001) }, NL);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: ['indicators'], code: 'TOO_MANY_ITEMS', message: expect.stringContaining('at most 10000') }],
    });
  });

  it('honours a smaller maxItems', () => {
    expect(parseIndicatorBatch({ indicators: items(3) }, NL, { maxItems: 2 })).toMatchObject({ ok: false, errors: [{ code: 'TOO_MANY_ITEMS' }] });
    expect(parseIndicatorBatch({ indicators: items(2) }, NL, { maxItems: 2 }).ok).toBe(true);
  });

  it('accepts an empty batch', () => {
    expect(parseIndicatorBatch({ indicators: [] }, NL)).toEqual({ ok: true, items: [] });
  });

  it.each([
    ['an unknown top-level field', { indicators: [], dryRun: true }, [[['dryRun'], 'UNKNOWN_FIELD']]],
    ['no indicators field', {}, [[['indicators'], 'REQUIRED']]],
    ['indicators not an array', { indicators: { type: 'phone' } }, [[['indicators'], 'INVALID_TYPE']]],
    ['a bare array', [{ type: 'phone', value: '+31612345678' }], [[[], 'INVALID_TYPE']]],
    ['a string', 'indicators', [[[], 'INVALID_TYPE']]],
    ['no body at all', undefined, [[[], 'REQUIRED']]],
  ])('refuses %s', (_label, raw, expected) => {
    const result = parseIndicatorBatch(raw, NL);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => [e.path, e.code])).toEqual(expected);
  });

  it('reports every error of every item, each with its index and a path inside the item', () => {
    const result = parseIndicatorBatch(
      {
        indicators: [
          { type: 'phone', value: '06 12345678' }, // fine
          { type: 'phone', value: '12', color: 'red' }, // two errors
          { type: 'email', value: 'anna@example.com' }, // fine
          { type: 'username', value: 'anna' }, // missing platform
          { type: 'crypto-wallet', chain: 'btc', value: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', tags: ['Bad Tag'] },
        ],
      },
      NL,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(({ index, path, code }) => ({ index, path, code }))).toEqual([
      { index: 1, path: ['value'], code: 'PHONE_INVALID' },
      { index: 1, path: ['color'], code: 'UNKNOWN_FIELD' },
      { index: 3, path: ['platform'], code: 'REQUIRED' },
      { index: 4, path: ['value'], code: 'WALLET_CHECKSUM_INVALID' },
      { index: 4, path: ['tags', 0], code: 'INVALID_FORMAT' },
    ]);
  });

  it('finds duplicates after normalization: the same value typed two ways', () => {
    const result = parseIndicatorBatch(
      {
        indicators: [
          { type: 'phone', value: '06 12345678' },
          { type: 'phone', value: '+31 6 1234 5678' }, // same number
          { type: 'username', value: '@Anna', platform: 'Telegram' },
          { type: 'username', value: 'anna', platform: 'instagram' }, // other platform: not a duplicate
          { type: 'username', value: 'ANNA', platform: 'telegram' }, // duplicate of item 2
          { type: 'keyword', value: '+31612345678' }, // other type: not a duplicate
        ],
      },
      NL,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { index: 1, path: ['value'], code: 'DUPLICATE_IN_BATCH', message: 'same indicator as item 0 (phone "+31612345678" once normalized)' },
      { index: 4, path: ['value'], code: 'DUPLICATE_IN_BATCH', message: 'same indicator as item 2 (username "anna" once normalized)' },
    ]);
  });

  it('survives hostile items (NUL, bidi, 100 KB) with an error per item, never a throw', () => {
    const result = parseIndicatorBatch(
      {
        indicators: [
          { type: 'keyword', value: 'x\u0000y' },
          { type: 'keyword', value: 'x\u202Ey' },
          { type: 'keyword', value: 'x'.repeat(100 * 1024) },
          { type: 'keyword', value: 'ok', description: 'd'.repeat(100 * 1024) },
          { type: 'keyword', value: 'fine', __proto__: { polluted: true } }, // inherited keys are fields too
          JSON.parse('{"type":"keyword","value":"proto","__proto__":{"polluted":true}}'),
        ],
      },
      NL,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(({ index, code }) => [index, code])).toEqual([
      [0, 'VALUE_CONTROL_CHARACTER'],
      [1, 'VALUE_BIDI_CONTROL'],
      [2, 'VALUE_TOO_LONG'],
      [3, 'TOO_LONG'],
      [4, 'UNKNOWN_FIELD'],
      [5, 'UNKNOWN_FIELD'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
