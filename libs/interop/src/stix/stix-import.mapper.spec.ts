import { describe, expect, it } from 'vitest';
import { TLP_LEVELS, parseIndicatorBatch, parseIndicatorInput, type Tlp } from '@palermo/indicators';
import { indicatorToStix, identityToStix, sightingToStix } from './stix-export.mapper';
import { stixObjectToIndicator } from './stix-import.mapper';
import type { StixImportOptions } from './stix.types';
import { TLP1_MARKING_IDS, TLP_MARKING_DEFINITIONS, TLP_MARKING_IDS, tlpOfMarkingDefinition } from './stix.markings';
import { STIX_SAMPLE_VALUES, sampleIndicator } from './stix.fixtures';

const OPTIONS: StixImportOptions = { defaultTlp: 'amber' };
const ID = 'indicator--8e2e2d2b-17d4-4cbd-938a-5a1a2b6f4a5c';

/** A foreign (non-Palermo) STIX 2.1 indicator, as OpenCTI or MISP would write it. */
function foreign(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: ID,
    created: '2024-05-01T10:00:00.000Z',
    modified: '2024-05-02T10:00:00.123456Z',
    name: 'recruiter phone',
    pattern: "[phone-number:value = '+31 6 12345678']",
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: '2024-05-01T10:00:00Z',
    ...overrides,
  };
}

describe('stixObjectToIndicator', () => {
  describe.each(STIX_SAMPLE_VALUES.map((v) => [`${v.type} ${v.value}`, v] as const))('round trip %s', (_name, value) => {
    it.each(TLP_LEVELS)('TLP %s: indicator → STIX → input → the same indicator', (tlp) => {
      const indicator = sampleIndicator({ ...value, tlp });
      const item = stixObjectToIndicator(JSON.parse(JSON.stringify(indicatorToStix(indicator))), OPTIONS);
      expect(item).toMatchObject({ kind: 'indicator', modified: indicator.modifiedAt, revoked: false, warnings: [] });
      if (item.kind !== 'indicator') return;
      expect(item.palermo).toEqual({ origin: 'nl-police', id: indicator.id, version: 3 });
      const parsed = parseIndicatorInput(item.input);
      expect(parsed).toEqual({
        ok: true,
        indicator: {
          type: indicator.type,
          value: indicator.value,
          ...(indicator.platform ? { platform: indicator.platform } : {}),
          ...(indicator.chain ? { chain: indicator.chain } : {}),
          tlp,
          confidence: indicator.confidence,
          tags: indicator.tags,
          firstSeen: indicator.firstSeen,
          lastSeen: indicator.lastSeen,
          validUntil: indicator.validUntil,
          description: indicator.description,
        },
      });
    });
  });

  it('a whole exported feed goes through parseIndicatorBatch (one schema)', () => {
    const items = STIX_SAMPLE_VALUES.map((value) => stixObjectToIndicator(indicatorToStix(sampleIndicator(value)), OPTIONS));
    const batch = parseIndicatorBatch({ indicators: items.map((item) => (item.kind === 'indicator' ? item.input : null)) });
    expect(batch).toMatchObject({ ok: true });
  });

  it('a revocation comes back as revoked with its later modified', () => {
    const stix = indicatorToStix(sampleIndicator(), { revokedAt: '2025-06-01T00:00:00.000Z', reason: 'x' });
    expect(stixObjectToIndicator(stix, OPTIONS)).toMatchObject({ kind: 'indicator', revoked: true, modified: '2025-06-01T00:00:00.000Z' });
  });

  it('maps a foreign indicator: valid_from is the first sighting, modified cut to milliseconds', () => {
    const item = stixObjectToIndicator(foreign({ confidence: 70, labels: ['ht:recruitment', 'Malicious Activity'], description: 'from OpenCTI' }), OPTIONS);
    expect(item).toEqual({
      kind: 'indicator',
      stixId: ID,
      modified: '2024-05-02T10:00:00.123Z',
      revoked: false,
      input: { type: 'phone', value: '+31 6 12345678', tlp: 'amber', confidence: 70, tags: ['ht:recruitment'], firstSeen: '2024-05-01T10:00:00.000Z', description: 'from OpenCTI' },
      warnings: ['label "Malicious Activity" is not a Palermo tag (^[a-z0-9][a-z0-9:._-]{0,63}$) and was dropped'],
    });
    if (item.kind === 'indicator') expect(parseIndicatorInput(item.input)).toMatchObject({ ok: true, indicator: { value: '+31612345678', confidence: 70 } });
  });

  it('reads a STIX 2.0 indicator (no spec_version, no pattern_type) as a STIX pattern', () => {
    const { spec_version: _s, pattern_type: _p, pattern_version: _v, ...v20 } = foreign({ labels: ['malicious-activity'], object_marking_refs: [TLP1_MARKING_IDS.green] });
    expect(stixObjectToIndicator(v20, OPTIONS)).toMatchObject({ kind: 'indicator', input: { tlp: 'green', tags: ['malicious-activity'] } });
  });

  describe('markings', () => {
    const tlpOf = (refs: unknown, options = OPTIONS) => {
      const item = stixObjectToIndicator(foreign({ object_marking_refs: refs }), options);
      return item.kind === 'indicator' ? item.input.tlp : item;
    };

    it.each(TLP_LEVELS)('TLP 2.0 %s', (tlp) => expect(tlpOf([TLP_MARKING_IDS[tlp]])).toBe(tlp));

    it.each([
      ['white', 'clear'],
      ['green', 'green'],
      ['amber', 'amber'],
      ['red', 'red'],
    ] as const)('TLP 1.0 %s → %s', (tlp1, tlp) => expect(tlpOf([TLP1_MARKING_IDS[tlp1]])).toBe(tlp));

    it('several TLP markings: the most restricted wins', () => {
      expect(tlpOf([TLP_MARKING_IDS.clear, TLP_MARKING_IDS['amber+strict'], TLP1_MARKING_IDS.green])).toBe('amber+strict');
    });

    it('unmarked objects get the default TLP', () => {
      expect(tlpOf(undefined)).toBe('amber');
      expect(tlpOf(undefined, { defaultTlp: 'red' })).toBe('red');
    });

    it('an unknown marking fails the object (it may restrict)', () => {
      expect(tlpOf([TLP_MARKING_IDS.green, 'marking-definition--3cd55916-d34b-4747-a8e0-dedec14b711b'])).toMatchObject({ kind: 'failed', code: 'STIX_UNKNOWN_MARKING', stixId: ID });
    });

    it('operator-accepted markings: a statement ignored, a local TLP alias honoured', () => {
      const markings = new Map<string, Tlp | 'ignore'>([
        ['marking-definition--3cd55916-d34b-4747-a8e0-dedec14b711b', 'ignore'],
        ['marking-definition--089a6ecb-cc15-43cc-9494-767639779123', 'red'],
      ]);
      expect(tlpOf(['marking-definition--3cd55916-d34b-4747-a8e0-dedec14b711b'], { ...OPTIONS, markings })).toBe('amber');
      expect(tlpOf(['marking-definition--089a6ecb-cc15-43cc-9494-767639779123', TLP_MARKING_IDS.green], { ...OPTIONS, markings })).toBe('red');
    });

    it.each([['not a list'], [[42]], [Array(65).fill(TLP_MARKING_IDS.red)]])('malformed object_marking_refs %# fail', (refs) => {
      expect(tlpOf(refs)).toMatchObject({ kind: 'failed', code: 'STIX_FIELD_INVALID' });
    });

    it('granular markings fail the object', () => {
      const item = stixObjectToIndicator(foreign({ granular_markings: [{ marking_ref: TLP_MARKING_IDS.red, selectors: ['description'] }] }), OPTIONS);
      expect(item).toMatchObject({ kind: 'failed', code: 'STIX_GRANULAR_MARKINGS_UNSUPPORTED' });
    });
  });

  describe('wallet chains', () => {
    const wallet = (address: string, extra: Record<string, unknown> = {}) =>
      stixObjectToIndicator(foreign({ pattern: `[cryptocurrency-wallet:value = '${address}']`, ...extra }), OPTIONS);

    it('x_palermo_chain decides; otherwise the address must name exactly one chain', () => {
      expect(wallet('0x52908400098527886e0f7030069857d2e4169ee7')).toMatchObject({ kind: 'indicator', input: { chain: 'eth' } });
      expect(wallet('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')).toMatchObject({ kind: 'indicator', input: { chain: 'trx' } });
      expect(wallet('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy')).toMatchObject({ kind: 'failed', code: 'STIX_WALLET_CHAIN_UNKNOWN' });
      expect(wallet('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', { x_palermo_chain: 'btc' })).toMatchObject({ kind: 'indicator', input: { chain: 'btc' } });
      expect(wallet('not-a-wallet')).toMatchObject({ kind: 'failed', code: 'STIX_WALLET_CHAIN_UNKNOWN' });
    });
  });

  describe('other objects are ignored, not failures', () => {
    it.each([
      identityToStix({ nodeId: 'nl-police' }),
      TLP_MARKING_DEFINITIONS.red,
      sightingToStix({ id: 'a', indicatorOrigin: 'nl-police', indicatorOriginId: 'b', sightedBy: 'de-bka', count: 1, firstSeen: '2025-01-01T00:00:00Z', lastSeen: '2025-01-01T00:00:00Z', createdAt: '2025-01-01T00:00:00Z' }),
      { type: 'relationship', id: 'relationship--8e2e2d2b-17d4-4cbd-938a-5a1a2b6f4a5c' },
      { type: 'ipv4-addr', id: 'ipv4-addr--8e2e2d2b-17d4-4cbd-938a-5a1a2b6f4a5c', value: '192.0.2.1' },
      { type: 'x-custom-thing', id: 'x-custom-thing--8e2e2d2b-17d4-4cbd-938a-5a1a2b6f4a5c' },
    ])('%# %o', (object) => {
      expect(stixObjectToIndicator(object, OPTIONS)).toMatchObject({ kind: 'ignored', stixId: (object as { id: string }).id, stixType: (object as { type: string }).type });
    });
  });

  describe('failures carry a code and the STIX id', () => {
    it.each([
      ['not an object', 'indicator', null, 'STIX_OBJECT_INVALID'],
      ['null', null, null, 'STIX_OBJECT_INVALID'],
      ['an array', [], null, 'STIX_OBJECT_INVALID'],
      ['no type', { id: ID }, ID, 'STIX_OBJECT_INVALID'],
      ['hostile type', { type: 'indicator\u202e', id: ID }, ID, 'STIX_OBJECT_INVALID'],
      ['no id', foreign({ id: undefined }), null, 'STIX_OBJECT_INVALID'],
      ['id of another type', foreign({ id: 'malware--8e2e2d2b-17d4-4cbd-938a-5a1a2b6f4a5c' }), null, 'STIX_OBJECT_INVALID'],
      ['id with a uuid v7', foreign({ id: 'indicator--01942220-5000-7000-8000-000000000001' }), null, 'STIX_OBJECT_INVALID'],
      ['spec_version 3.0', foreign({ spec_version: '3.0' }), ID, 'STIX_SPEC_VERSION_UNSUPPORTED'],
      ['sigma pattern', foreign({ pattern_type: 'sigma', pattern: 'title: x' }), ID, 'STIX_PATTERN_TYPE_UNSUPPORTED'],
      ['2.1 without pattern_type', foreign({ pattern_type: undefined }), ID, 'STIX_PATTERN_TYPE_UNSUPPORTED'],
      ['no modified', foreign({ modified: undefined }), ID, 'STIX_BAD_TIMESTAMP'],
      ['modified not UTC', foreign({ modified: '2024-05-02T10:00:00+02:00' }), ID, 'STIX_BAD_TIMESTAMP'],
      ['modified 31 February', foreign({ modified: '2024-02-31T10:00:00.000Z' }), ID, 'STIX_BAD_TIMESTAMP'],
      ['modified a number', foreign({ modified: 1714644000000 }), ID, 'STIX_BAD_TIMESTAMP'],
      ['created after modified', foreign({ created: '2025-01-01T00:00:00.000Z' }), ID, 'STIX_BAD_TIMESTAMP'],
      ['bad valid_until', foreign({ valid_until: 'tomorrow' }), ID, 'STIX_BAD_TIMESTAMP'],
      ['year 0001', foreign({ valid_from: '0001-01-01T00:00:00Z' }), ID, 'STIX_BAD_TIMESTAMP'],
      ['revoked "yes"', foreign({ revoked: 'yes' }), ID, 'STIX_FIELD_INVALID'],
      ['labels not a list', foreign({ labels: 'ht:labour' }), ID, 'STIX_FIELD_INVALID'],
      ['no pattern', foreign({ pattern: undefined }), ID, 'STIX_PATTERN_SYNTAX'],
      ['OR pattern', foreign({ pattern: "[phone-number:value = '1' OR phone-number:value = '2']" }), ID, 'STIX_PATTERN_UNSUPPORTED'],
      ['MD5 pattern', foreign({ pattern: "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']" }), ID, 'STIX_PATTERN_UNMAPPED'],
      ['type mismatch', foreign({ x_palermo_type: 'email' }), ID, 'STIX_TYPE_MISMATCH'],
    ])('%s', (_name, object, stixId, code) => {
      expect(stixObjectToIndicator(object, OPTIONS)).toMatchObject({ kind: 'failed', stixId, code });
    });
  });

  describe('hostile content reaches the one schema, which refuses it', () => {
    it.each([
      ['bidi override in the value', { pattern: "[email-addr:value = 'a\u202e@b.example']" }, 'VALUE_BIDI_CONTROL'],
      ['NUL in the description', { description: 'a\u0000b' }, 'CONTROL_CHARACTER'],
      ['a 10,000-character value', { pattern: `[text:value = '${'x'.repeat(10_000)}']` }, 'VALUE_TOO_LONG'],
      ['confidence 1000', { confidence: 1000 }, 'OUT_OF_RANGE'],
      ['confidence as text', { confidence: '90' }, 'INVALID_TYPE'],
      ['description as an object', { description: { toString: 'x' } }, 'INVALID_TYPE'],
    ])('%s', (_name, overrides, code) => {
      const item = stixObjectToIndicator(foreign(overrides), OPTIONS);
      expect(item.kind).toBe('indicator');
      const parsed = parseIndicatorInput(item.kind === 'indicator' ? item.input : null);
      expect(parsed.ok).toBe(false);
      expect(JSON.stringify(parsed)).toContain(code);
    });

    it('a "__proto__" key is data, not a prototype', () => {
      const object = JSON.parse(`{"type":"indicator","spec_version":"2.1","id":"${ID}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z","pattern":"[text:value = 'x']","pattern_type":"stix","valid_from":"2024-05-01T10:00:00Z","__proto__":{"x_palermo_chain":"btc","revoked":true}}`);
      const item = stixObjectToIndicator(object, OPTIONS);
      expect(item).toMatchObject({ kind: 'indicator', revoked: false });
      expect(({} as Record<string, unknown>).revoked).toBeUndefined();
    });
  });
});

describe('tlpOfMarkingDefinition', () => {
  it.each([
    [TLP_MARKING_DEFINITIONS['amber+strict'], 'amber+strict'],
    [{ type: 'marking-definition', id: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', definition_type: 'tlp', definition: { tlp: 'white' } }, 'clear'],
    [{ type: 'marking-definition', id: 'marking-definition--089a6ecb-cc15-43cc-9494-767639779123', definition_type: 'TLP', definition: 'TLP:AMBER' }, 'amber'],
    [{ type: 'marking-definition', definition_type: 'statement', definition: { statement: 'Copyright' } }, undefined],
    [{ type: 'marking-definition', definition_type: 'tlp', definition: { tlp: 'purple' } }, undefined],
    [{ type: 'marking-definition', definition_type: 'tlp', definition: { tlp: '__proto__' } }, undefined],
    [{ type: 'indicator', definition_type: 'tlp', definition: { tlp: 'red' } }, undefined],
    [null, undefined],
  ])('%# → %s', (object, tlp) => expect(tlpOfMarkingDefinition(object)).toBe(tlp));

  describe('the origin rule (objects another Palermo node published)', () => {
    const exported = indicatorToStix(sampleIndicator({ origin: 'de-bka' }));

    it('refuses an object whose x_palermo_origin is another node, naming the feed it must come through', () => {
      const item = stixObjectToIndicator(exported, { ...OPTIONS, nodeId: 'nl-police' });
      expect(item).toMatchObject({ kind: 'failed', stixId: exported.id, code: 'STIX_FOREIGN_ORIGIN' });
      expect((item as { reason: string }).reason).toMatch(/"de-bka".*feed.*agreement, revocations and retention.*adopt=true/);
    });

    it('refuses one whose created_by_ref is the identity of another Palermo node in the same file', () => {
      const { x_palermo_origin: _o, x_palermo_id: _i, ...bare } = exported;
      const identities = new Map([[identityToStix({ nodeId: 'de-bka' }).id, 'de-bka']]);
      expect(stixObjectToIndicator(bare, { ...OPTIONS, nodeId: 'nl-police', identities })).toMatchObject({ kind: 'failed', code: 'STIX_FOREIGN_ORIGIN' });
      // An identity the file does not describe as a Palermo node is anyone's: imported as before.
      expect(stixObjectToIndicator(bare, { ...OPTIONS, nodeId: 'nl-police' })).toMatchObject({ kind: 'indicator' });
    });

    it('adopt=true takes it, saying where it came from', () => {
      const item = stixObjectToIndicator(exported, { ...OPTIONS, nodeId: 'nl-police', adopt: true });
      expect(item).toMatchObject({ kind: 'indicator', origin: { node: 'de-bka', own: false, id: sampleIndicator().id } });
    });

    it("an object of this node's own origin (by x_palermo_origin or created_by_ref) names its own indicator id", () => {
      const own = indicatorToStix(sampleIndicator({ origin: 'nl-police' }));
      expect(stixObjectToIndicator(own, { ...OPTIONS, nodeId: 'nl-police' })).toMatchObject({
        kind: 'indicator',
        origin: { node: 'nl-police', own: true, id: sampleIndicator().id },
      });
      const { x_palermo_origin: _o, ...byCreator } = own;
      expect(stixObjectToIndicator(byCreator, { ...OPTIONS, nodeId: 'nl-police' })).toMatchObject({ kind: 'indicator', origin: { own: true } });
    });

    it('objects from outside Palermo carry no origin and import as before', () => {
      const item = stixObjectToIndicator(foreign(), { ...OPTIONS, nodeId: 'nl-police' });
      expect(item.kind).toBe('indicator');
      expect(item).not.toHaveProperty('origin');
    });
  });
});
