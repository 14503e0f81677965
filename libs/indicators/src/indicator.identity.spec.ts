import { describe, expect, it } from 'vitest';
import { naturalKey, newIndicatorId } from './indicator.identity';

describe('naturalKey', () => {
  it.each([
    [{ type: 'phone', value: '+31612345678' }, 'phone::+31612345678'],
    [{ type: 'username', value: 'anna', platform: 'telegram' }, 'username:telegram:anna'],
    [{ type: 'crypto-wallet', value: '0xabc', chain: 'eth' }, 'crypto-wallet:eth:0xabc'],
    [{ type: 'ip', value: '2001:db8::1' }, 'ip::2001:db8::1'], // a value may contain ":"; type and qualifier never do
    [{ type: 'phone', value: '+31612345678', platform: 'telegram' }, 'phone::+31612345678'], // stray qualifiers do not change identity
  ] as const)('%j → %s', (parts, key) => {
    expect(naturalKey(parts)).toBe(key);
  });

  it('tells apart what only looks alike', () => {
    const keys = [
      naturalKey({ type: 'username', value: 'anna', platform: 'telegram' }),
      naturalKey({ type: 'username', value: 'anna', platform: 'instagram' }),
      naturalKey({ type: 'keyword', value: 'anna' }),
      naturalKey({ type: 'crypto-wallet', value: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', chain: 'btc' }),
      naturalKey({ type: 'crypto-wallet', value: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', chain: 'ltc' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('newIndicatorId', () => {
  it('mints lower-case uuid v7 ids that sort by creation time', () => {
    const ids = Array.from({ length: 100 }, () => newIndicatorId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(100);
    expect([...ids].sort()).toEqual(ids);
  });
});
