import { describe, expect, it } from 'vitest';
import { TLP_LEVELS, parseWireIndicator } from '@palermo/indicators';
import { assertValidStix, stixSchemaErrors } from '../../../../tests/fixtures/stix2.1-json-schemas/stix-schema.validator';
import { identityToStix, indicatorToStix, sightingToStix } from './stix-export.mapper';
import { stixIdentityId, stixIndicatorId, stixSightingId, STIX_ID_PATTERN } from './stix.ids';
import { TLP_MARKING_DEFINITIONS, TLP_MARKING_IDS, tlpMarkingRef } from './stix.markings';
import { parseStixPattern } from './stix-pattern.parser';
import { subjectFromComparisons } from './stix-pattern.mapper';
import { STIX_SAMPLE_VALUES, sampleIndicator } from './stix.fixtures';
import { stixBundleChunks } from './stix-bundle.writer';

describe('STIX export', () => {
  it('the sample values are valid wire indicators (normalized)', () => {
    for (const value of STIX_SAMPLE_VALUES) {
      expect(parseWireIndicator(sampleIndicator(value)), JSON.stringify(value)).toMatchObject({ ok: true });
    }
  });

  describe.each(STIX_SAMPLE_VALUES.map((v) => [`${v.type} ${v.value}`, v] as const))('%s', (_name, value) => {
    it.each(TLP_LEVELS.flatMap((tlp) => [[tlp, false], [tlp, true]] as const))('TLP %s, revoked %s: validates against the official schema', (tlp, revoked) => {
      const indicator = sampleIndicator({ ...value, tlp });
      const stix = indicatorToStix(indicator, revoked ? { revokedAt: '2025-03-01T00:00:00.000Z', reason: 'false positive' } : undefined);
      assertValidStix(stix);
      expect(stix.object_marking_refs).toEqual([TLP_MARKING_IDS[tlp]]);
      expect(stix.revoked).toBe(revoked ? true : undefined);
      expect(parseStixPattern(stix.pattern)).toMatchObject({ ok: true });
      // What the schema cannot check (STIX 2.1 §3.2, §4.7): created ≤ modified, valid_until > valid_from.
      expect(stix.created <= stix.modified).toBe(true);
      expect(stix.valid_until === undefined || stix.valid_until > stix.valid_from).toBe(true);
    });
  });

  it('writes the documented pattern per type', () => {
    const pattern = (value: (typeof STIX_SAMPLE_VALUES)[number]) => indicatorToStix(sampleIndicator(value)).pattern;
    expect(STIX_SAMPLE_VALUES.map(pattern)).toEqual([
      "[phone-number:value = '+31612345678']",
      "[email-addr:value = 'recruiter@example.org']",
      "[user-account:account_login = 'o\\'brien_jobs\\\\x' AND user-account:account_type = 'telegram']",
      "[url:value = 'http://example.org/ads/it\\'s/123']",
      "[domain-name:value = 'xn--bcher-kva.example']",
      "[ipv4-addr:value = '192.0.2.10']",
      "[ipv6-addr:value = '2001:db8::1']",
      "[cryptocurrency-wallet:value = '0x52908400098527886e0f7030069857d2e4169ee7']",
      "[cryptocurrency-wallet:value = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']",
      "[cryptocurrency-wallet:value = '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy']",
      "[cryptocurrency-wallet:value = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t']",
      "[bank-account:iban = 'NL91ABNA0417164300']",
      "[text:value = 'new in town 🌹 \\'vip\\'']",
      "[x-palermo-text-fingerprint:value = 'simhash64:0123456789abcdef']",
      `[file:hashes.PDQ = '${'f'.repeat(32)}${'0'.repeat(32)}']`,
      "[file:hashes.PHASH = 'd1d1d1d1c0c0c0c0']",
      "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    ]);
  });

  it('writes a username without a platform as a login-only pattern that imports back', () => {
    const stix = indicatorToStix(sampleIndicator({ type: 'username', value: 'anna_jobs', platform: undefined }));
    expect(stix.pattern).toBe("[user-account:account_login = 'anna_jobs']");
    const parsed = parseStixPattern(stix.pattern as string);
    expect(parsed.ok && subjectFromComparisons(parsed.comparisons)).toEqual({ ok: true, subject: { type: 'username', value: 'anna_jobs' } });
  });

  it('maps every field of an indicator version', () => {
    const indicator = sampleIndicator({ type: 'crypto-wallet', value: '0x52908400098527886e0f7030069857d2e4169ee7', chain: 'eth', tlp: 'amber+strict' });
    expect(indicatorToStix(indicator)).toEqual({
      type: 'indicator',
      spec_version: '2.1',
      id: stixIndicatorId('nl-police', indicator.id),
      created_by_ref: stixIdentityId('nl-police'),
      created: '2025-01-01T13:48:50.560Z', // the uuid v7's own time
      modified: '2025-02-03T00:00:00.000Z',
      name: '0x52908400098527886e0f7030069857d2e4169ee7',
      description: 'Seen in "model job" ads\nwith a line break',
      pattern: "[cryptocurrency-wallet:value = '0x52908400098527886e0f7030069857d2e4169ee7']",
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: '2025-01-02T03:04:05.006Z',
      valid_until: '2026-01-01T00:00:00.000Z',
      confidence: 80,
      labels: ['ht:recruitment', 'ht:sexual-exploitation'],
      object_marking_refs: ['marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003'],
      x_palermo_type: 'crypto-wallet',
      x_palermo_origin: 'nl-police',
      x_palermo_id: indicator.id,
      x_palermo_version: 3,
      x_palermo_chain: 'eth',
      x_palermo_first_seen: '2025-01-02T03:04:05.006Z',
      x_palermo_last_seen: '2025-02-02T03:04:05.006Z',
    });
  });

  it('leaves out empty labels, absent description and validUntil (the schema wants non-empty lists)', () => {
    const stix = indicatorToStix(sampleIndicator({ tags: [], description: undefined, validUntil: null }));
    expect(stix).not.toHaveProperty('labels');
    expect(stix).not.toHaveProperty('description');
    expect(stix).not.toHaveProperty('valid_until');
    assertValidStix(stix);
  });

  it('a revocation is a later version: modified = revocation time, never ≤ the last version', () => {
    const indicator = sampleIndicator();
    const revoked = indicatorToStix(indicator, { revokedAt: '2025-03-01T00:00:00Z', reason: 'wrong number' });
    expect(revoked).toMatchObject({ revoked: true, modified: '2025-03-01T00:00:00.000Z', x_palermo_revocation_reason: 'wrong number' });
    expect(revoked.id).toBe(indicatorToStix(indicator).id);
    expect(revoked.created).toBe(indicatorToStix(indicator).created);
    const early = indicatorToStix(indicator, { revokedAt: '2020-01-01T00:00:00.000Z' });
    expect(early.modified).toBe('2025-02-03T00:00:00.001Z');
  });

  it('every version of an indicator keeps its STIX id and created; only modified moves', () => {
    const v1 = indicatorToStix(sampleIndicator({ version: 1, modifiedAt: '2025-01-05T00:00:00.000Z' }));
    const v2 = indicatorToStix(sampleIndicator({ version: 2, modifiedAt: '2025-01-06T00:00:00.000Z', confidence: 10 }));
    expect([v2.id, v2.created]).toEqual([v1.id, v1.created]);
    expect(v2.modified > v1.modified).toBe(true);
  });

  it('an indicator that expired before it was first seen still has valid_until > valid_from', () => {
    const stix = indicatorToStix(sampleIndicator({ validUntil: '2024-12-31T00:00:00.000Z' }));
    expect(stix.valid_from).toBe('2024-12-30T23:59:59.999Z');
    expect(stix.x_palermo_first_seen).toBe('2025-01-02T03:04:05.006Z');
  });

  it('ids are uuid v5, deterministic, and differ by origin', () => {
    const id = stixIndicatorId('nl-police', '01942220-5000-7000-8000-000000000001');
    expect(id).toMatch(/^indicator--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stixIndicatorId('nl-police', '01942220-5000-7000-8000-000000000001')).toBe(id);
    expect(stixIndicatorId('de-bka', '01942220-5000-7000-8000-000000000001')).not.toBe(id);
    expect(stixIdentityId('nl-police')).toMatch(STIX_ID_PATTERN);
    expect(stixSightingId('01942220-5000-7000-8000-000000000009')).toMatch(/^sighting--/);
  });

  it('TLP 2.0 marking definitions are the official OASIS objects and validate', () => {
    expect(TLP_MARKING_DEFINITIONS.amber).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
      created: '2022-10-01T00:00:00.000Z',
      name: 'TLP:AMBER',
      extensions: { 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': { extension_type: 'property-extension', tlp_2_0: 'amber' } },
    });
    expect(Object.values(TLP_MARKING_DEFINITIONS).map((m) => [m.name, m.id])).toEqual([
      ['TLP:CLEAR', 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487'],
      ['TLP:GREEN', 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
      ['TLP:AMBER', 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421'],
      ['TLP:AMBER+STRICT', 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003'],
      ['TLP:RED', 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1'],
    ]);
    for (const tlp of TLP_LEVELS) {
      assertValidStix(TLP_MARKING_DEFINITIONS[tlp]);
      expect(tlpMarkingRef(tlp)).toBe(TLP_MARKING_DEFINITIONS[tlp].id);
    }
    expect(Object.isFrozen(TLP_MARKING_DEFINITIONS.red)).toBe(true);
  });

  it('a node is an identity that validates; the same for every node that writes it', () => {
    const identity = identityToStix({ nodeId: 'nl-police', jurisdiction: 'NL' });
    assertValidStix(identity);
    expect(identity).toMatchObject({ id: stixIdentityId('nl-police'), name: 'nl-police', identity_class: 'organization', x_palermo_jurisdiction: 'NL' });
    expect(identityToStix({ nodeId: 'nl-police', jurisdiction: 'NL' })).toEqual(identity);
    assertValidStix(identityToStix({ nodeId: 'de-bka' }));
  });

  it('a sighting validates and points at the indicator and the sighting node', () => {
    const sighting = {
      id: '01942220-5000-7000-8000-000000000009',
      indicatorOrigin: 'de-bka',
      indicatorOriginId: '01942220-5000-7000-8000-000000000001',
      sightedBy: 'nl-police',
      count: 3,
      firstSeen: new Date('2025-01-01T00:00:00Z'),
      lastSeen: '2025-01-03T00:00:00Z',
      note: 'seen on a new ad site',
      createdAt: '2025-01-04T00:00:00.000Z',
    };
    const stix = sightingToStix(sighting);
    assertValidStix(stix);
    expect(stix).toMatchObject({
      id: stixSightingId(sighting.id),
      sighting_of_ref: stixIndicatorId('de-bka', sighting.indicatorOriginId),
      where_sighted_refs: [stixIdentityId('nl-police')],
      created_by_ref: stixIdentityId('nl-police'),
      count: 3,
      first_seen: '2025-01-01T00:00:00.000Z',
      last_seen: '2025-01-03T00:00:00.000Z',
      description: 'seen on a new ad site',
    });
    const marked = sightingToStix({ ...sighting, note: null, count: 5_000_000_000, tlp: 'red' });
    assertValidStix(marked);
    expect(marked).toMatchObject({ count: 999_999_999, object_marking_refs: [TLP_MARKING_IDS.red] });
    expect(marked).not.toHaveProperty('description');
  });

  it('a streamed bundle of everything validates against the bundle schema', async () => {
    async function* objects() {
      yield* Object.values(TLP_MARKING_DEFINITIONS);
      yield identityToStix({ nodeId: 'nl-police', jurisdiction: 'NL' });
      for (const value of STIX_SAMPLE_VALUES) yield indicatorToStix(sampleIndicator(value));
    }
    let text = '';
    for await (const chunk of stixBundleChunks('bundle--5d3e2a8c-1b0f-4c7e-9a55-0c8f6a1e2b3d', objects())) text += chunk;
    const bundle = JSON.parse(text);
    expect(bundle.objects).toHaveLength(5 + 1 + STIX_SAMPLE_VALUES.length);
    expect(stixSchemaErrors(bundle)).toEqual([]);
  });

  it('the schema check is not a rubber stamp: broken objects fail it', () => {
    const stix = indicatorToStix(sampleIndicator());
    expect(stixSchemaErrors({ ...stix, created: '2025-01-01T00:00:00Z' })).not.toEqual([]); // no milliseconds
    expect(stixSchemaErrors({ ...stix, id: 'indicator--01942220-5000-7000-8000-000000000001' })).not.toEqual([]); // uuid v7
    expect(stixSchemaErrors({ ...stix, labels: [] })).not.toEqual([]);
    expect(stixSchemaErrors({ ...stix, confidence: 101 })).not.toEqual([]);
    expect(stixSchemaErrors({ ...stix, 'X-Custom': 1 })).not.toEqual([]);
    const { pattern: _pattern, ...noPattern } = stix;
    expect(stixSchemaErrors(noPattern)).not.toEqual([]);
  });
});
