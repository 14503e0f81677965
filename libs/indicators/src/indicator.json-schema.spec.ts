import { describe, expect, it } from 'vitest';
import { INDICATOR_TYPES } from './indicator.types';
import { indicatorJsonSchemas } from './schemas/indicator.json-schema';

type Schema = { oneOf?: Schema[]; properties?: Record<string, Schema>; required?: string[]; additionalProperties?: boolean; const?: string } & Record<string, unknown>;

/** Leaf object members of nested oneOf unions. */
function members(schema: Schema): Schema[] {
  return schema.oneOf ? schema.oneOf.flatMap(members) : [schema];
}

describe('indicatorJsonSchemas', () => {
  const schemas = indicatorJsonSchemas();

  it('is plain JSON (serializable, draft 2020-12)', () => {
    for (const schema of Object.values(schemas)) {
      expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it.each(['input', 'wire'] as const)('%s: one strict member per type (per chain for crypto-wallet)', (kind) => {
    const all = members(schemas[kind] as Schema);
    expect(all.every((m) => m.additionalProperties === false)).toBe(true);
    const types = new Set(all.map((m) => m.properties?.type?.const));
    expect([...types].sort()).toEqual([...INDICATOR_TYPES].sort());
    const username = all.find((m) => m.properties?.type?.const === 'username');
    expect(username?.required).toContain('platform');
    const wallets = all.filter((m) => m.properties?.type?.const === 'crypto-wallet');
    expect(wallets.map((m) => m.properties?.chain?.const)).toEqual(['btc', 'eth', 'trx', 'ltc']);
    expect(wallets.every((m) => m.required?.includes('chain'))).toBe(true);
    const phone = all.find((m) => m.properties?.type?.const === 'phone');
    expect(phone?.properties).not.toHaveProperty('platform');
  });

  it('input: defaults are optional, what the client must send is required', () => {
    const phone = members(schemas.input as Schema).find((m) => m.properties?.type?.const === 'phone');
    expect(phone?.required).toEqual(['type', 'value']);
    expect(phone?.properties?.tlp).toMatchObject({ default: 'amber', enum: ['clear', 'green', 'amber', 'amber+strict', 'red'] });
    expect(phone?.properties?.confidence).toMatchObject({ type: 'integer', minimum: 0, maximum: 100, default: 50 });
    expect(phone?.properties?.tags).toMatchObject({ maxItems: 32, items: { pattern: '^[a-z0-9][a-z0-9:._-]{0,63}$' } });
  });

  it('wire: every field is required except description (validUntil may be null)', () => {
    const phone = members(schemas.wire as Schema).find((m) => m.properties?.type?.const === 'phone');
    expect(phone?.required).toEqual(['type', 'value', 'id', 'origin', 'version', 'tlp', 'confidence', 'tags', 'firstSeen', 'lastSeen', 'validUntil', 'modifiedAt']);
  });

  it('batch: a strict envelope of at most 10,000 input items', () => {
    const batch = schemas.batch as Schema;
    expect(batch.additionalProperties).toBe(false);
    expect(batch.required).toEqual(['indicators']);
    expect(batch.properties?.indicators).toMatchObject({ type: 'array', maxItems: 10_000 });
  });
});
