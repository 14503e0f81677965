import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIndicatorInput } from '../schemas/indicator-input.schema';
import { parseWireIndicator } from '../schemas/indicator-wire.schema';
import { TAG_PATTERN } from '../schemas/indicator-fields.schema';
import { boundedEditDistance, closestTaxonomyTag, findTaxonomyProblem, HT_CATEGORIES, HT_TAXONOMY, taxonomyTags } from './tag.taxonomy';
import { indicatorVocabulary } from './vocabulary';

const raw = (name: string) => JSON.parse(readFileSync(join(__dirname, name), 'utf8')) as Record<string, unknown>;

describe('the ht taxonomy (data)', () => {
  it('has exactly the keys MISP\'s taxonomy schema allows (additionalProperties: false), so MISP can load it', () => {
    const taxonomy = raw('ht-taxonomy.json');
    const allowedTop = ['version', 'description', 'expanded', 'namespace', 'type', 'refs', 'predicates', 'values'];
    expect(Object.keys(taxonomy).filter((k) => !allowedTop.includes(k))).toEqual([]);
    expect(taxonomy).toMatchObject({ namespace: 'ht', version: expect.any(Number), description: expect.any(String) });
    const allowedPredicate = ['numerical_value', 'colour', 'description', 'expanded', 'value'];
    for (const predicate of taxonomy.predicates as Record<string, unknown>[]) {
      expect(Object.keys(predicate).filter((k) => !allowedPredicate.includes(k)), String(predicate.value)).toEqual([]);
      expect(predicate).toEqual({ value: expect.any(String), expanded: expect.any(String), description: expect.any(String) });
    }
  });

  it('gives every tag a valid, unique name and a description', () => {
    const tags = taxonomyTags();
    expect(new Set(tags).size).toBe(tags.length);
    for (const tag of tags) expect(tag).toMatch(TAG_PATTERN);
    for (const p of HT_TAXONOMY.predicates) expect(p.description.length, p.value).toBeGreaterThan(20);
  });

  it('groups every predicate into exactly one of the five categories', () => {
    expect(HT_CATEGORIES.map((c) => c.id)).toEqual(['forms-of-exploitation', 'recruitment', 'advertisement', 'payment', 'coded-language']);
    const grouped = HT_CATEGORIES.flatMap((c) => c.predicates);
    expect([...grouped].sort()).toEqual(HT_TAXONOMY.predicates.map((p) => p.value).sort());
    expect(raw('ht-categories.json')).toMatchObject({ namespace: HT_TAXONOMY.namespace, version: HT_TAXONOMY.version });
  });

  it('includes every ht: tag used anywhere in the repository', () => {
    const root = join(__dirname, '..', '..', '..', '..');
    // The specs of the taxonomy itself (and MISP's hostile cases) use unknown tags on purpose.
    const paths = ['apps', 'libs', 'tests', 'deploy', ':(exclude)libs/indicators/src/taxonomy/*.spec.ts', ':(exclude)libs/indicators/README.md', ':(exclude)tests/e2e/vocabulary.spec.ts', ':(exclude)libs/interop/src/misp/misp-event.hostile.spec.ts'];
    const found = execFileSync('git', ['grep', '-ohE', 'ht:[a-z0-9][a-z0-9._-]*', '--', ...paths], { cwd: root, encoding: 'utf8' });
    // ht:t0…ht:t19 are synthetic tags of a Cedar engine benchmark that never passes the indicator schema.
    const used = new Set(found.split('\n').filter((t) => t && !/^ht:t\d*$/.test(t)));
    expect([...used].filter((tag) => !taxonomyTags().includes(tag))).toEqual([]);
    for (const tag of ['ht:sexual-exploitation', 'ht:labour', 'ht:recruitment', 'ht:payment']) expect(taxonomyTags()).toContain(tag);
  });
});

describe('tags validated against the taxonomy', () => {
  const item = (tags: unknown) => ({ type: 'domain', value: 'example.com', tags });
  const wire = (tags: string[]) => ({
    type: 'domain', value: 'example.com', id: '01900000-0000-7000-8000-000000000000', origin: 'nl-police', version: 1,
    tlp: 'green', confidence: 50, tags, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:00.000Z',
    validUntil: null, modifiedAt: '2026-01-01T00:00:00.000Z',
  });

  it('accepts taxonomy tags and tags of other namespaces that follow TAG_PATTERN', () => {
    expect(parseIndicatorInput(item(['ht:labour', 'case:2026-017', 'op.rose', 'ht:debt-bondage']))).toMatchObject({
      ok: true, indicator: { tags: ['case:2026-017', 'ht:debt-bondage', 'ht:labour', 'op.rose'] },
    });
    expect(parseWireIndicator(wire(['ht:escort-ad', 'ht:labour']))).toMatchObject({ ok: true });
  });

  it.each([
    ['ht:labor', 'ht:labour'],
    ['ht:sexual-exploit', 'ht:sexual-exploitation'],
    ['ht:recruting', 'ht:recruitment'],
    ['ht:payments', 'ht:payment'],
    ['ht:debt', 'ht:debt-bondage'],
  ])('refuses %s with TAG_UNKNOWN and suggests %s', (tag, suggestion) => {
    const result = parseIndicatorInput(item(['ht:labour', tag]));
    expect(result).toMatchObject({ ok: false, errors: [{ path: ['tags', 1], code: 'TAG_UNKNOWN' }] });
    if (!result.ok) expect(result.errors[0].message).toContain(`did you mean "${suggestion}"`);
    if (!result.ok) expect(result.errors[0].message).toContain(JSON.stringify(tag));
  });

  it('checks only the form of tags in bundle entries: a partner on a newer taxonomy must not stall its chain', () => {
    expect(parseWireIndicator(wire(['ht:labor']))).toMatchObject({ ok: true });
    expect(parseWireIndicator(wire(['HT:Labour']))).toMatchObject({ ok: false, errors: [{ path: ['tags', 0] }] });
  });

  it.each([
    ['the bare namespace', 'ht:', 'TAG_UNKNOWN'],
    ['a MISP triple tag (value part)', 'ht:labour="agriculture"', 'INVALID_FORMAT'],
    ['upper case', 'HT:Labour', 'INVALID_FORMAT'],
    ['a nested predicate', 'ht:labour:agriculture', 'TAG_UNKNOWN'],
    ['an object property name', 'ht:constructor', 'TAG_UNKNOWN'],
    ['__proto__', 'ht:__proto__', 'TAG_UNKNOWN'],
    ['a 64-character tag', `ht:${'x'.repeat(61)}`, 'TAG_UNKNOWN'],
    ['too long', `ht:${'x'.repeat(62)}`, 'INVALID_FORMAT'],
    ['a bidi override', 'ht:labour\u202E', 'INVALID_FORMAT'],
  ])('%s (%j) → %s, reported once', (_name, tag, code) => {
    const result = parseIndicatorInput(item([tag]));
    expect(result).toMatchObject({ ok: false, errors: [{ path: ['tags', 0], code }] });
    if (!result.ok) {
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0].message.length).toBeLessThan(400);
    }
  });

  it('finds the closest tag for anything, quickly', () => {
    expect(closestTaxonomyTag('ht:domestic-servant')).toBe('ht:domestic-servitude');
    expect(closestTaxonomyTag('organ')).toBe('ht:organ-removal');
    // A batch can hold 320,000 unknown tags, all different: a suggestion must cost microseconds.
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) findTaxonomyProblem(`ht:lab${i}`);
    for (let i = 0; i < 20_000; i++) findTaxonomyProblem(`ht:${String(i).padStart(61, 'q')}`);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('suggests nothing when nothing is close, and says where the list is', () => {
    expect(closestTaxonomyTag('ht:zzzzzzzz')).toBeUndefined();
    expect(findTaxonomyProblem('ht:zzzzzzzz')?.message).toBe('"ht:zzzzzzzz" is not in the ht taxonomy (version 1); GET /api/v1/vocabulary lists its tags');
    expect(closestTaxonomyTag('ht:labour-exploitation')).toBe('ht:labour');
  });

  it('computes the banded edit distance exactly as the full one, up to its bound', () => {
    const full = (a: string, b: string) => {
      let row = Array.from({ length: b.length + 1 }, (_, j) => j);
      for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        row = next;
      }
      return row[b.length];
    };
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength: 12 });
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 4 }), (a, b, k) => {
        expect(boundedEditDistance(a, b, k)).toBe(Math.min(full(a, b), k + 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves tags outside the namespace alone', () => {
    expect(findTaxonomyProblem('htx:anything')).toBeUndefined();
    expect(findTaxonomyProblem('misp:tlp')).toBeUndefined();
  });
});

describe('indicatorVocabulary', () => {
  it('lists every type, the TLP levels and the taxonomy by category', () => {
    const vocabulary = indicatorVocabulary();
    expect(vocabulary.types.map((t) => t.type)).toContain('text-fingerprint');
    expect(vocabulary.types.find((t) => t.type === 'image-hash')).toEqual({ type: 'image-hash', requires: [], algorithms: { pdq: 64, phash: 16 } });
    expect(vocabulary.types.find((t) => t.type === 'username')).toEqual({ type: 'username', requires: ['platform'] });
    expect(vocabulary.tlpLevels).toEqual(['clear', 'green', 'amber', 'amber+strict', 'red']);
    expect(vocabulary.taxonomy.categories).toHaveLength(5);
    expect(vocabulary.taxonomy.categories[0].tags[0]).toEqual({ tag: 'ht:sexual-exploitation', expanded: 'Sexual exploitation', description: expect.any(String) });
    expect(vocabulary.taxonomy.categories.flatMap((c) => c.tags.map((t) => t.tag)).sort()).toEqual(taxonomyTags().sort());
    expect(() => JSON.stringify(vocabulary)).not.toThrow();
  });
});
