import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INDICATOR_TYPES, TLP_LEVELS } from '@palermo/indicators';
import { AGREEMENT_STATES, DIRECTIONS, PURPOSES, type AgreementTerms } from '../agreement.types';
import { agreement, exportTo, exportToAll, facts, importFrom, lookupBy, NOW, partner } from '../policy.fixtures';
import type { ExportRequest, ImportRequest, IndicatorFacts, LookupRequest } from '../policy.types';
import { BASELINE_RULE_IDS } from './baseline.policy';
import { CedarPolicyEngine } from './cedar.engine';
import { preparedPolicySetCount } from './cedar.runtime';
import { DEFAULT_POLICY_TEXT } from './default.policy';

const permitAll = ['share', 'shareRaw', 'import', 'importRaw', 'lookup']
  .map((a) => `@id("x.${a}") permit (principal, action == Palermo::Action::"${a}", resource);`)
  .join('\n');
const engine = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);

describe('CedarPolicyEngine decisions', () => {
  it('decides a batch one for one, in order', () => {
    const decisions = engine.decideExport([exportTo(), exportToAll(facts({ tlp: 'green' })), exportToAll()], NOW);
    expect(decisions.map((d) => d.action)).toEqual(['share', 'withhold', 'share']);
    expect(engine.decideImport([], NOW)).toEqual([]);
  });

  it('sha256 is that of the jurisdiction text', () => {
    expect(engine.sha256).toBe(createHash('sha256').update(DEFAULT_POLICY_TEXT).digest('hex'));
  });

  it('an empty policy permits nothing: default deny, labelled', () => {
    const none = CedarPolicyEngine.compile('// nothing\n');
    expect(none.decideExport([exportToAll()], NOW)).toEqual([{ action: 'withhold', reasons: ['policy.default-deny'] }]);
    expect(none.decideImport([importFrom()], NOW)).toEqual([{ action: 'reject', reasons: ['policy.default-deny'] }]);
    expect(none.decideLookup([lookupBy()], NOW)).toEqual([{ action: 'refuse', reasons: ['policy.default-deny'] }]);
  });

  it('share without shareRaw: shared without its description, and the reasons say why', () => {
    const stripping = CedarPolicyEngine.compile(`${permitAll}\n@id("x.no-descriptions") forbid (principal, action == Palermo::Action::"shareRaw", resource);`);
    expect(stripping.decideExport([exportTo()], NOW)).toEqual([{ action: 'share-stripped', reasons: ['x.share', 'x.no-descriptions'] }]);
    const silent = CedarPolicyEngine.compile('@id("x.share") permit (principal, action == Palermo::Action::"share", resource);');
    expect(silent.decideExport([exportTo()], NOW)).toEqual([{ action: 'share-stripped', reasons: ['x.share', 'policy.default-deny'] }]);
  });

  it('decideRawExport asks shareRaw without the share gate: permit, forbid (named) or default deny', () => {
    const rawOnly = CedarPolicyEngine.compile('@id("x.raw") permit (principal, action == Palermo::Action::"shareRaw", resource);\n@id("x.no-raw-amber") forbid (principal, action == Palermo::Action::"shareRaw", resource) when { resource.tlp == "amber" };');
    // The gate default-denies, so decideExport never looks at shareRaw.
    expect(rawOnly.decideExport([exportTo()], NOW)).toEqual([{ action: 'withhold', reasons: ['policy.default-deny'] }]);
    expect(rawOnly.decideRawExport([exportTo(), exportTo({ indicator: facts({ tlp: 'amber' }) })], NOW)).toEqual([
      { action: 'share', reasons: ['x.raw'] },
      { action: 'share-stripped', reasons: ['x.no-raw-amber'] },
    ]);
    expect(CedarPolicyEngine.compile('// nothing\n').decideRawExport([exportTo()], NOW)).toEqual([{ action: 'share-stripped', reasons: ['policy.default-deny'] }]);
  });

  it('a jurisdiction forbid adds to the baseline, listed after it', () => {
    const strict = CedarPolicyEngine.compile(`${permitAll}\n@id("x.no-phones") forbid (principal, action, resource) when { resource.type == "phone" };`);
    expect(strict.decideImport([importFrom({ agreement: agreement({ types: ['email'] }) })], NOW)).toEqual([
      { action: 'reject', reasons: ['baseline.type-not-agreed', 'x.no-phones'] },
    ]);
  });
});

describe('CedarPolicyEngine fails closed', () => {
  // Cedar skips a policy that errors, forbids included: this forbid would otherwise be ignored.
  const overflow = `${permitAll}
@id("x.overflow")
forbid (principal, action in [Palermo::Action::"share", Palermo::Action::"import"], resource)
when { resource.confidence * 9223372036854775807 > 100 };`;
  const rawOverflow = `${permitAll}
@id("x.raw-overflow")
forbid (principal, action in [Palermo::Action::"shareRaw", Palermo::Action::"importRaw"], resource)
when { context.agreementRetentionDays + 9223372036854775807 > 0 };`;

  it('a policy that errors at evaluation withholds and rejects, naming it', () => {
    const erring = CedarPolicyEngine.compile(overflow);
    const high = facts({ confidence: 80 });
    expect(erring.decideExport([exportTo({ indicator: high })], NOW)).toEqual([{ action: 'withhold', reasons: ['policy.evaluation-error', 'x.overflow'] }]);
    expect(erring.decideImport([importFrom({ indicator: high })], NOW)).toEqual([{ action: 'reject', reasons: ['policy.evaluation-error', 'x.overflow'] }]);
    // Without the overflow (0 × max = 0) the same policy evaluates and permits.
    expect(erring.decideImport([importFrom({ indicator: facts({ confidence: 0 }) })], NOW)[0]!.action).toBe('accept');
  });

  it('an error in the raw step withholds everything rather than sending a stripped copy', () => {
    const erring = CedarPolicyEngine.compile(rawOverflow);
    expect(erring.decideExport([exportTo()], NOW)).toEqual([{ action: 'withhold', reasons: ['policy.evaluation-error', 'x.raw-overflow'] }]);
    expect(erring.decideImport([importFrom()], NOW)).toEqual([{ action: 'reject', reasons: ['policy.evaluation-error', 'x.raw-overflow'] }]);
  });

  it('a Cedar call that throws fails closed, and is not remembered for the class', () => {
    const e = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
    // Tags that read fine once (the request check) and then throw (when handed to Cedar).
    let reads = 0;
    const tags = ['ht:labour'];
    Object.defineProperty(tags, 0, { get: () => (++reads > 1 ? (() => { throw new Error('boom'); })() : 'ht:labour') });
    expect(e.decideImport([importFrom({ indicator: facts({ tags }) })], NOW)).toEqual([{ action: 'reject', reasons: ['policy.evaluation-error'] }]);
    expect(e.decideImport([importFrom()], NOW)).toEqual([{ action: 'accept', reasons: ['default.import', 'default.import-raw'] }]);
  });

  const invalidExports: [string, ExportRequest][] = [
    ['a partner chain without the partner', exportTo({ partner: null })],
    ['the community chain with a partner', exportTo({ audience: 'all' })],
    ['the community chain with an agreement', { ...exportToAll(), agreement: agreement() }],
    ['an audience that is not the partner', exportTo({ audience: 'fr-police' })],
    ['another partner\'s agreement', exportTo({ agreement: agreement({ partner: 'fr-police' }) })],
    ['an unknown TLP', exportTo({ indicator: facts({ tlp: 'white' as never }) })],
    ['an unknown type', exportTo({ indicator: facts({ type: 'telex' as never }) })],
    ['confidence 101', exportTo({ indicator: facts({ confidence: 101 }) })],
    ['fractional confidence', exportTo({ indicator: facts({ confidence: 50.5 }) })],
    ['an unreadable firstSeen', exportTo({ indicator: facts({ firstSeen: 'yesterday' }) })],
    ['an agreement with an unknown max TLP', exportTo({ agreement: agreement({ maxTlp: 'white' as never }) })],
    ['an agreement with retention 0 (0 means "no limit" to the policy)', exportTo({ agreement: agreement({ retentionDays: 0 }) })],
    ['a partner jurisdiction that is not ISO 3166', exportTo({ partner: partner({ jurisdiction: 'Germany' }) })],
  ];
  it.each(invalidExports)('an export request with %s is withheld as policy.request-invalid', (_name, request) => {
    expect(engine.decideExport([request], NOW)).toEqual([{ action: 'withhold', reasons: ['policy.request-invalid'] }]);
  });

  it.each<[string, ImportRequest]>([
    ['an audience that is no node id', importFrom({ audience: 'Everyone' })],
    ['a publisher "all"', importFrom({ publisher: partner({ nodeId: 'all' }), agreement: agreement({ partner: 'all' }) })],
    ['another partner\'s agreement', importFrom({ agreement: agreement({ partner: 'fr-police' }) })],
  ])('an import request with %s is rejected as policy.request-invalid', (_name, request) => {
    expect(engine.decideImport([request], NOW)).toEqual([{ action: 'reject', reasons: ['policy.request-invalid'] }]);
  });

  it('a lookup for an unknown type is refused as policy.request-invalid', () => {
    expect(engine.decideLookup([lookupBy({ type: 'telex' as never })], NOW)).toEqual([{ action: 'refuse', reasons: ['policy.request-invalid'] }]);
  });
});

describe('CedarPolicyEngine equivalence-class cache', () => {
  it('evaluates a class once; a fact some policy reads starts a new class, one no policy reads does not', () => {
    const e = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
    e.decideImport([importFrom(), importFrom(), importFrom()], NOW);
    expect(e.stats).toEqual({ requests: 3, evaluations: 2 });
    // Neither the baseline nor the default policy reads confidence, tags or age.
    e.decideImport([importFrom({ indicator: facts({ confidence: 81, tags: [], firstSeen: '2020-01-01T00:00:00.000Z' }) })], NOW);
    expect(e.stats).toEqual({ requests: 4, evaluations: 2 });
    e.decideImport([importFrom({ indicator: facts({ type: 'email' }) })], NOW);
    expect(e.stats).toEqual({ requests: 5, evaluations: 4 });
    // A policy that reads confidence splits by it.
    const reading = CedarPolicyEngine.compile(`${permitAll}\n@id("x.weak") forbid (principal, action == Palermo::Action::"import", resource) when { resource.confidence < 50 };`);
    expect(reading.decideImport([importFrom({ indicator: facts({ confidence: 81 }) }), importFrom({ indicator: facts({ confidence: 10 }) })], NOW).map((d) => d.action)).toEqual(['accept', 'reject']);
    expect(reading.stats.evaluations).toBe(3);
  });

  it('a policy that uses the context as a whole makes every context fact count', () => {
    const whole = CedarPolicyEngine.compile(`${permitAll}\n@id("x.odd") forbid (principal, action, resource) when { context == context && resource.type == "url" };`);
    whole.decideImport([importFrom({ agreement: agreement({ retentionDays: 30 }) }), importFrom({ agreement: agreement({ retentionDays: 31 }) })], NOW);
    expect(whole.stats.evaluations).toBe(4);
  });

  it('is bounded: the oldest class is forgotten first', () => {
    const e = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT, { cacheSize: 2 });
    const of = (type: 'phone' | 'email' | 'url') => importFrom({ indicator: facts({ type }) });
    e.decideImport([of('phone'), of('email'), of('url'), of('url'), of('phone')], NOW);
    expect(e.stats).toEqual({ requests: 5, evaluations: 8 });
  });

  it('hands out copies: changing a decision does not change the next one', () => {
    const [first] = engine.decideExport([exportTo()], NOW);
    first!.reasons.push('tampered');
    expect(engine.decideExport([exportTo()], NOW)[0]!.reasons).toEqual(['default.share', 'default.share-raw']);
  });

  it('engines of one text share the preparsed set; distinct texts do not collide', () => {
    const before = preparedPolicySetCount();
    CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
    expect(preparedPolicySetCount()).toBe(before);
    const engines = Array.from({ length: 60 }, (_, i) => CedarPolicyEngine.compile(`@id("n${i}.import") permit (principal, action == Palermo::Action::"import", resource);`));
    expect(engines[7]!.decideImport([importFrom()], NOW)).toEqual([{ action: 'accept-pseudonymized', reasons: ['n7.import', 'policy.default-deny'] }]);
    expect(engine.decideImport([importFrom()], NOW)[0]!.reasons).toEqual(['default.import', 'default.import-raw']);
  });
});

// ---- properties over arbitrary requests (valid and not) ----
const nodeId = fc.constantFrom('de-bka', 'fr-police', 'nl-police');
const tlp = fc.constantFrom(...TLP_LEVELS);
const factsArb: fc.Arbitrary<IndicatorFacts> = fc.record({
  type: fc.constantFrom(...INDICATOR_TYPES),
  tlp,
  confidence: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(-1, 101, 50.5)),
  tags: fc.subarray(['ht:labour', 'ht:payment', 'ht:recruitment']),
  firstSeen: fc.oneof(fc.date({ min: new Date('2020-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), fc.constant('never')),
  origin: nodeId,
});
const partnerArb = fc.record({ nodeId, jurisdiction: fc.constantFrom('DE', 'FR', 'NL', 'xx'), adequacy: fc.boolean() });
const agreementArb: fc.Arbitrary<AgreementTerms | null> = fc.option(
  fc.record({
    id: fc.constantFrom('a-1', 'a-2'),
    partner: nodeId,
    directions: fc.subarray([...DIRECTIONS], { minLength: 1 }),
    types: fc.subarray([...INDICATOR_TYPES], { minLength: 1 }),
    maxTlp: tlp,
    purposes: fc.subarray([...PURPOSES], { minLength: 1 }),
    retentionDays: fc.option(fc.integer({ min: 1, max: 36_500 })),
    pseudonymize: fc.subarray([...INDICATOR_TYPES]),
    lookups: fc.boolean(),
    validFrom: fc.constantFrom('2025-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'),
    validUntil: fc.constantFrom(null, '2026-02-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z'),
    state: fc.constantFrom(...AGREEMENT_STATES),
  }),
);
const exportArb: fc.Arbitrary<ExportRequest> = fc.oneof(
  fc.record({ indicator: factsArb, audience: fc.constant('all'), partner: fc.constant(null), agreement: fc.constant(null), encrypted: fc.boolean(), onward: fc.boolean() }),
  fc.record({ indicator: factsArb, audience: nodeId, partner: partnerArb, agreement: agreementArb, encrypted: fc.boolean(), onward: fc.boolean() }),
);
const importArb: fc.Arbitrary<ImportRequest> = fc.record({ indicator: factsArb, publisher: partnerArb, audience: fc.constantFrom('all', 'nl-police'), agreement: agreementArb });
const lookupArb: fc.Arbitrary<LookupRequest> = fc.record({ type: fc.constantFrom(...INDICATOR_TYPES), partner: partnerArb, purpose: fc.constantFrom(...PURPOSES, 'curiosity'), agreement: agreementArb });

const KNOWN_REASONS = new Set<string>([...BASELINE_RULE_IDS, 'default.share', 'default.share-raw', 'default.import', 'default.import-raw', 'default.lookup', 'policy.default-deny', 'policy.request-invalid']);

const SAMPLES_DIR = join(__dirname, '../../../../deploy/policies');
const policies: [string, string][] = [
  ['default', DEFAULT_POLICY_TEXT],
  ...readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.cedar'))
    .map((f): [string, string] => [f, readFileSync(join(SAMPLES_DIR, f), 'utf8')]),
  // Reads facts through entity literals instead of `resource.` / `principal.`: the cache must key on them too.
  [
    'entity literals',
    `${DEFAULT_POLICY_TEXT}
@id("lit.low-confidence") forbid (principal, action == Palermo::Action::"import", resource) when { Palermo::Indicator::"indicator".confidence < 50 };
@id("lit.no-raw-tags") forbid (principal, action == Palermo::Action::"shareRaw", resource) when { Palermo::Indicator::"indicator".tags.contains("ht:labour") };
@id("lit.adequate-only") forbid (principal, action == Palermo::Action::"importRaw", resource) when { !Palermo::Partner::"de-bka".adequacy };
`,
  ],
];
const SAMPLE_IDS = /@id\("([^"]+)"\)/g;

describe('CedarPolicyEngine properties', () => {
  const batches = fc.tuple(fc.array(exportArb, { maxLength: 8 }), fc.array(importArb, { maxLength: 8 }), fc.array(lookupArb, { maxLength: 4 }));

  it.each(policies)('%s: never throws; reasons never empty and always known; cached and uncached decisions identical', (_name, text) => {
    const cached = CedarPolicyEngine.compile(text);
    const uncached = CedarPolicyEngine.compile(text, { cacheSize: 0 });
    const known = new Set([...KNOWN_REASONS, ...[...text.matchAll(SAMPLE_IDS)].map((m) => m[1]!), 'policy.evaluation-error']);
    fc.assert(
      fc.property(batches, ([exports, imports, lookups]) => {
        const decided = [cached.decideExport(exports, NOW), cached.decideImport(imports, NOW), cached.decideLookup(lookups, NOW)];
        expect(decided).toEqual([uncached.decideExport(exports, NOW), uncached.decideImport(imports, NOW), uncached.decideLookup(lookups, NOW)]);
        // Asked again (now from the cache), the answers do not change.
        expect([cached.decideExport(exports, NOW), cached.decideImport(imports, NOW), cached.decideLookup(lookups, NOW)]).toEqual(decided);
        for (const d of decided.flat()) {
          expect(d.reasons.length).toBeGreaterThan(0);
          for (const r of d.reasons) expect(known).toContain(r);
        }
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('measures µs per decision, uncached vs cached (printed for the bench notes)', () => {
    const requests = Array.from({ length: 2000 }, (_, i) => importFrom({ indicator: facts({ confidence: i % 101, tags: [`ht:t${i % 20}`] }) }));
    const fresh = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT, { cacheSize: 0 });
    fresh.decideImport(requests.slice(0, 200), NOW); // warm-up
    const before = fresh.stats.evaluations;
    let start = performance.now();
    fresh.decideImport(requests, NOW);
    const uncachedUs = ((performance.now() - start) * 1000) / requests.length;
    const perEvaluation = ((performance.now() - start) * 1000) / (fresh.stats.evaluations - before);
    const warm = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
    warm.decideImport(requests, NOW);
    start = performance.now();
    warm.decideImport(requests, NOW);
    const cachedUs = ((performance.now() - start) * 1000) / requests.length;
    console.log(`[policy bench] import decision: uncached ${uncachedUs.toFixed(0)} µs (${perEvaluation.toFixed(0)} µs per Cedar evaluation, 2 per accepted indicator), cached ${cachedUs.toFixed(1)} µs`);
    expect(cachedUs).toBeLessThan(uncachedUs);
  }, 60_000);
});
