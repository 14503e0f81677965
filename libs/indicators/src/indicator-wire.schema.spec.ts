import { describe, expect, it } from 'vitest';
import { newIndicatorId } from './indicator.identity';
import type { WireIndicator } from './indicator.types';
import { parseIndicatorBatch } from './schemas/indicator-batch.parser';
import { parseWireIndicator, wireIndicatorSchema } from './schemas/indicator-wire.schema';

const T = '2024-05-01T10:00:00.000Z';

function wire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '01900000-0000-7000-8000-000000000001',
    origin: 'nl-police',
    version: 1,
    type: 'phone',
    value: '+31612345678',
    tlp: 'green',
    confidence: 50,
    tags: ['ht:labour', 'ht:recruitment'],
    firstSeen: T,
    lastSeen: T,
    validUntil: null,
    modifiedAt: T,
    ...overrides,
  };
}

describe('wireIndicatorSchema', () => {
  it('accepts a normalized indicator and returns it unchanged (the signed bytes stay valid)', () => {
    const input = wire({ description: 'seen in ads', validUntil: '2025-01-01T00:00:00.000Z' });
    const result = parseWireIndicator(input);
    expect(result).toEqual({ ok: true, indicator: input });
  });

  it.each([
    ['username', { type: 'username', value: 'anna_b', platform: 'telegram' }],
    ['crypto-wallet btc', { type: 'crypto-wallet', chain: 'btc', value: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' }],
    ['crypto-wallet trx', { type: 'crypto-wallet', chain: 'trx', value: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t' }],
    ['url', { type: 'url', value: 'http://xn--bcher-kva.de/%C3%BC' }],
    ['ip', { type: 'ip', value: '2001:db8::1' }],
  ])('accepts a normalized %s', (_label, fields) => {
    expect(parseWireIndicator(wire(fields))).toMatchObject({ ok: true });
  });

  it.each([
    ['phone not in E.164', { value: '+31 6 12345678' }, [['value'], 'VALUE_NOT_NORMALIZED']],
    ['national phone (no region on the wire)', { value: '0612345678' }, [['value'], 'PHONE_REGION_REQUIRED']],
    ['upper-case e-mail', { type: 'email', value: 'Anna@example.com' }, [['value'], 'VALUE_NOT_NORMALIZED']],
    ['EIP-55 case kept', { type: 'crypto-wallet', chain: 'eth', value: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' }, [['value'], 'VALUE_NOT_NORMALIZED']],
    ['bad checksum', { type: 'crypto-wallet', chain: 'btc', value: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb' }, [['value'], 'WALLET_CHECKSUM_INVALID']],
    ['platform not a slug', { type: 'username', value: 'anna', platform: 'Telegram' }, [['platform'], 'PLATFORM_NOT_NORMALIZED']],
    ['unsorted tags', { tags: ['ht:recruitment', 'ht:labour'] }, [['tags'], 'TAGS_NOT_NORMALIZED']],
    ['duplicate tags', { tags: ['ht:labour', 'ht:labour'] }, [['tags'], 'TAGS_NOT_NORMALIZED']],
    ['timestamp without milliseconds', { firstSeen: '2024-05-01T10:00:00Z' }, [['firstSeen'], 'INVALID_DATE']],
    ['timestamp with offset', { lastSeen: '2024-05-01T12:00:00.000+02:00' }, [['lastSeen'], 'INVALID_DATE']],
    ['impossible date', { modifiedAt: '2024-02-30T00:00:00.000Z' }, [['modifiedAt'], 'INVALID_DATE']],
    ['upper-case id', { id: '01900000-0000-7000-8000-00000000000A' }, [['id'], 'INVALID_FORMAT']],
    ['uuid v4 id', { id: '9b2f3c1e-7d4a-4f6b-9c8d-1e2f3a4b5c6d' }, [['id'], 'INVALID_FORMAT']],
    ['origin "all"', { origin: 'all' }, [['origin'], 'INVALID_VALUE']],
    ['origin not a node id', { origin: 'NL Police' }, [['origin'], 'INVALID_FORMAT']],
    ['version 0', { version: 0 }, [['version'], 'OUT_OF_RANGE']],
    ['unknown field', { severity: 'high' }, [['severity'], 'UNKNOWN_FIELD']],
    ['missing modifiedAt', { modifiedAt: undefined }, [['modifiedAt'], 'REQUIRED']],
    ['validUntil missing (null is required for "none")', { validUntil: undefined }, [['validUntil'], 'REQUIRED']],
    ['platform on a phone', { platform: 'telegram' }, [['platform'], 'UNKNOWN_FIELD']],
  ])('refuses %s', (_label, overrides, [path, code]) => {
    const result = parseWireIndicator(wire(overrides));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => [e.path, e.code])).toEqual([[path, code]]);
  });

  it('accepts everything the input schema produces, once id, origin and timestamps are added', () => {
    const batch = parseIndicatorBatch(
      {
        indicators: [
          { type: 'phone', value: '0151 23456789' },
          { type: 'email', value: 'ＡＮＮＡ@Bücher.DE.' },
          { type: 'username', value: '@Ａｎｎａ', platform: 'Only Fans' },
          { type: 'url', value: 'Bücher.de:80/%7e?#x' },
          { type: 'domain', value: 'pаypal.com.' },
          { type: 'ip', value: '::ffff:192.0.2.1' },
          { type: 'crypto-wallet', chain: 'eth', value: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' },
          { type: 'crypto-wallet', chain: 'btc', value: 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4' },
          { type: 'iban', value: 'nl91 abna 0417 1643 00' },
          { type: 'keyword', value: 'ﬁrst  TIME', tags: ['b', 'a', 'b'] },
          { type: 'file-sha256', value: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' },
        ],
      },
      { defaultRegion: 'DE' },
    );
    expect(batch.ok).toBe(true);
    if (!batch.ok) return;
    for (const item of batch.items) {
      const candidate: WireIndicator = {
        ...item,
        id: newIndicatorId(),
        origin: 'de-bka',
        version: 1,
        firstSeen: item.firstSeen ?? T,
        lastSeen: item.lastSeen ?? T,
        validUntil: item.validUntil ?? null,
        modifiedAt: T,
      };
      expect(parseWireIndicator(candidate)).toEqual({ ok: true, indicator: candidate });
    }
  });

  it.each([
    ['a version beyond a 32-bit column', { version: 2_147_483_648 }, 'version'],
    ['year 0000', { firstSeen: '0000-01-01T00:00:00.000Z' }, 'firstSeen'],
    ['year 0999', { validUntil: '0999-12-31T00:00:00.000Z' }, 'validUntil'],
  ])('refuses %s: values every partner database must be able to store', (_label, overrides, field) => {
    const result = parseWireIndicator(wire(overrides));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path[0])).toContain(field);
  });

  it('refuses analyst dates outside the years 1000–9999 with INVALID_DATE (not a database error)', () => {
    const result = parseIndicatorBatch({ indicators: [{ type: 'file-sha256', value: 'a'.repeat(64), firstSeen: '9999-12-31T23:00:00-05:00' }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ index: 0, path: ['firstSeen'], code: 'INVALID_DATE' });
  });

  it('is a zod schema usable directly (safeParse)', () => {
    expect(wireIndicatorSchema.safeParse(wire()).success).toBe(true);
    expect(wireIndicatorSchema.safeParse({ ...wire(), value: ' +31612345678' }).success).toBe(false);
  });
});
