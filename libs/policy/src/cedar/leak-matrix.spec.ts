import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INDICATOR_TYPES, TLP_LEVELS, type IndicatorType, type Tlp } from '@palermo/indicators';
import type { AgreementTerms, Direction } from '../agreement.types';
import { NOW } from '../policy.fixtures';
import type { Decision, ExportAction, ExportRequest, ImportAction, ImportRequest } from '../policy.types';
import { exposure, oracleExport, oracleImport, type OracleCase, type Route } from './baseline.oracle';
import { CedarPolicyEngine } from './cedar.engine';
import { DEFAULT_POLICY_TEXT } from './default.policy';

// The pure adversarial matrix: every TLP × indicator type × agreement state × route × agreement
// max-TLP, with the other facts (agreed directions and types, pseudonymization, relaying,
// encryption, adequacy, confidence, age, retention) drawn from a seeded generator. A leak is the
// engine letting more through than the oracle; over-blocking is letting less.

const STATES = ['none', 'draft', 'active', 'suspended', 'terminated', 'superseded', 'expired', 'not-yet-valid'] as const;
const ROUTES: readonly Route[] = ['export-partner', 'export-all', 'import-partner', 'import-all'];
const DIRECTION_SETS: readonly Direction[][] = [['export', 'import'], ['export', 'import'], ['export'], ['import']];
const DAY_MS = 86_400_000;
// Thousands of Cedar evaluations each (a few seconds on a busy machine): a bound, not a benchmark.
const SLOW = 60_000;

/** Facts only the jurisdiction samples look at. */
interface Extra {
  adequacy: boolean;
  confidence: number;
  ageDays: number;
  retentionDays: number | null;
}
type Action = ExportAction | ImportAction;
type Case = OracleCase & { extra: Extra };

function agreementFor(c: Case): AgreementTerms | null {
  if (c.state === 'none') return null;
  const stored = c.state === 'expired' || c.state === 'not-yet-valid' ? 'active' : c.state;
  return {
    id: 'a-1',
    partner: 'de-bka',
    directions: c.directions,
    types: c.typeAgreed ? [...INDICATOR_TYPES] : INDICATOR_TYPES.filter((t) => t !== c.type),
    maxTlp: c.maxTlp,
    purposes: ['investigation'],
    retentionDays: c.extra.retentionDays,
    pseudonymize: c.pseudonymizeAgreed ? [c.type] : [],
    lookups: true,
    onward: c.onwardAgreed === true,
    validFrom: c.state === 'not-yet-valid' ? '2026-06-01T00:00:00.000Z' : '2026-01-01T00:00:00.000Z',
    validUntil: c.state === 'expired' ? '2026-02-01T00:00:00.000Z' : '2027-01-01T00:00:00.000Z',
    state: stored,
  };
}

function indicatorOf(c: Case, origin: string) {
  const firstSeen = new Date(NOW.getTime() - c.extra.ageDays * DAY_MS).toISOString();
  return { type: c.type, tlp: c.tlp, confidence: c.extra.confidence, tags: ['ht:labour'], firstSeen, origin };
}

function exportRequest(c: Case): ExportRequest {
  const indicator = indicatorOf(c, 'nl-police');
  const common = { indicator, encrypted: c.encrypted, onward: c.onward };
  if (c.route === 'export-all') return { ...common, audience: 'all', partner: null, agreement: null };
  return { ...common, audience: 'de-bka', partner: { nodeId: 'de-bka', jurisdiction: 'DE', adequacy: c.extra.adequacy }, agreement: agreementFor(c) };
}

function importRequest(c: Case): ImportRequest {
  const indicator = indicatorOf(c, c.onward ? 'fr-police' : 'de-bka');
  const publisher = { nodeId: 'de-bka', jurisdiction: 'DE', adequacy: c.extra.adequacy };
  return { indicator, publisher, audience: c.route === 'import-all' ? 'all' : 'nl-police', agreement: agreementFor(c), encrypted: c.encrypted };
}

/** Deterministic generator (mulberry32), so a failing case can be replayed. */
function seeded(seed: number): <T>(values: readonly T[]) => T {
  let state = seed >>> 0;
  return (values) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return values[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * values.length)]!;
  };
}

function matrix(): Case[] {
  const pick = seeded(3);
  const cases: Case[] = [];
  for (const tlp of TLP_LEVELS)
    for (const type of INDICATOR_TYPES)
      for (const state of STATES)
        for (const route of ROUTES)
          for (const maxTlp of TLP_LEVELS) {
            const extra: Extra = { adequacy: pick([true, false]), confidence: pick([0, 49, 50, 100]), ageDays: pick([0, 729, 730, 2000]), retentionDays: pick([null, 1, 730, 731]) };
            cases.push({
              route, tlp, type, state, maxTlp, extra,
              directions: pick(DIRECTION_SETS),
              typeAgreed: pick([true, true, true, false]),
              pseudonymizeAgreed: pick([true, false]),
              onward: pick([true, false]),
              onwardAgreed: pick([true, false]),
              encrypted: pick([true, false]),
            });
          }
  return cases;
}

function baselineOracle(c: Case): Action {
  return c.route.startsWith('export') ? oracleExport(c) : oracleImport(c);
}

const PERSONAL: readonly IndicatorType[] = ['phone', 'email', 'username', 'iban'];
const partnerRoute = (c: Case) => c.route !== 'export-all';
const closedFor = (c: Case): Action => (c.route.startsWith('export') ? 'withhold' : 'reject');

/** Each deploy/policies sample: the baseline oracle narrowed by what its comments promise. */
const SAMPLES: Record<string, (c: Case, base: Action) => Action> = {
  'eu-data-minimization.cedar': (c, base) => {
    if (exposure(base) === 0) return base;
    if (c.route === 'export-all') return 'share-stripped';
    if (c.route === 'export-partner') return c.extra.adequacy ? base : 'share-stripped';
    return !c.extra.adequacy && PERSONAL.includes(c.type) ? 'accept-pseudonymized' : base;
  },
  'no-red.cedar': (c, base) => (c.route.startsWith('import') && (c.tlp === 'red' || c.extra.confidence < 50) ? 'reject' : base),
  'two-year-retention.cedar': (c, base) => {
    const retention = c.extra.retentionDays;
    if (partnerRoute(c) && (retention === null || retention > 730)) return closedFor(c);
    if (c.route.startsWith('import') && c.extra.ageDays >= 730) return 'reject';
    return base;
  },
};

/** Runs every case through `engine`; returns the counts and the first leaks/over-blocks for the message. */
function run(engine: CedarPolicyEngine, cases: Case[], oracle: (c: Case) => Action) {
  const exports = cases.filter((c) => c.route.startsWith('export'));
  const imports = cases.filter((c) => c.route.startsWith('import'));
  const decided: [Case, Decision<Action>][] = [
    ...engine.decideExport(exports.map(exportRequest), NOW).map((d, i) => [exports[i]!, d] as [Case, Decision<Action>]),
    ...engine.decideImport(imports.map(importRequest), NOW).map((d, i) => [imports[i]!, d] as [Case, Decision<Action>]),
  ];
  const counts = { cases: decided.length, allowed: 0, withheld: 0, leaks: 0, overblocked: 0, emptyReasons: 0 };
  const wrong: string[] = [];
  for (const [c, d] of decided) {
    const expected = oracle(c);
    if (exposure(d.action) > 0) counts.allowed += 1;
    else counts.withheld += 1;
    if (d.reasons.length === 0) counts.emptyReasons += 1;
    if (exposure(d.action) > exposure(expected)) counts.leaks += 1;
    if (exposure(d.action) < exposure(expected)) counts.overblocked += 1;
    if (d.action !== expected && wrong.length < 5) wrong.push(`${JSON.stringify(c)} → ${JSON.stringify(d)}, oracle ${expected}`);
  }
  return { counts, wrong };
}

const cases = matrix();

describe('adversarial matrix: nothing flows that the agreement, TLP 2.0 and the policy do not allow', () => {
  it('covers every TLP × type × agreement state × route × agreement max-TLP', () => {
    expect(cases.length).toBe(TLP_LEVELS.length * INDICATOR_TYPES.length * STATES.length * ROUTES.length * TLP_LEVELS.length);
    // The generated facts reach every TLP on every route both ways.
    for (const tlp of TLP_LEVELS)
      for (const route of ROUTES)
        for (const flag of ['onward', 'onwardAgreed', 'encrypted', 'typeAgreed', 'pseudonymizeAgreed'] as const) {
          const values = new Set(cases.filter((c) => c.tlp === tlp && c.route === route).map((c) => c[flag]));
          expect(values.size, `${tlp} ${route} ${flag}`).toBe(2);
        }
  });

  it('default policy: zero leaks and zero over-blocking against the baseline oracle', () => {
    const engine = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
    const { counts, wrong } = run(engine, cases, baselineOracle);
    console.log(`[leak matrix] default policy: cases=${counts.cases} allowed=${counts.allowed} withheld=${counts.withheld} leaks=${counts.leaks} overblocked=${counts.overblocked} cedar-evaluations=${engine.stats.evaluations}`);
    expect(wrong).toEqual([]);
    expect(counts).toMatchObject({ leaks: 0, overblocked: 0, emptyReasons: 0 });
    expect(counts.allowed).toBeGreaterThan(0);
  }, SLOW);

  it.each(Object.keys(SAMPLES))('deploy/policies/%s: zero leaks beyond the baseline, and does what its comments say', (file) => {
    const engine = CedarPolicyEngine.compile(readFileSync(join(__dirname, '../../../../deploy/policies', file), 'utf8'));
    const sample = SAMPLES[file]!;
    const beyondBaseline = run(engine, cases, baselineOracle).counts;
    const { counts, wrong } = run(engine, cases, (c) => sample(c, baselineOracle(c)));
    console.log(`[leak matrix] ${file}: cases=${counts.cases} allowed=${counts.allowed} withheld=${counts.withheld} leaks=${counts.leaks} (beyond baseline: ${beyondBaseline.leaks}) overblocked=${counts.overblocked}`);
    expect(beyondBaseline.leaks).toBe(0);
    expect(wrong).toEqual([]);
    expect(counts).toMatchObject({ leaks: 0, overblocked: 0, emptyReasons: 0 });
  }, SLOW);

  it('property: random cases agree with the oracle (default policy)', () => {
    const engine = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
    const tlp = fc.constantFrom<Tlp>(...TLP_LEVELS);
    const caseArb = fc.record({
      route: fc.constantFrom(...ROUTES),
      tlp,
      type: fc.constantFrom(...INDICATOR_TYPES),
      state: fc.constantFrom(...STATES),
      maxTlp: tlp,
      directions: fc.constantFrom(...DIRECTION_SETS),
      typeAgreed: fc.boolean(),
      pseudonymizeAgreed: fc.boolean(),
      onward: fc.boolean(),
      onwardAgreed: fc.boolean(),
      encrypted: fc.boolean(),
      extra: fc.record({
        adequacy: fc.boolean(),
        confidence: fc.integer({ min: 0, max: 100 }),
        ageDays: fc.integer({ min: 0, max: 5000 }),
        retentionDays: fc.option(fc.integer({ min: 1, max: 36_500 })),
      }),
    });
    fc.assert(
      fc.property(caseArb, (c) => {
        const { counts, wrong } = run(engine, [c], baselineOracle);
        expect(wrong).toEqual([]);
        expect(counts.emptyReasons).toBe(0);
      }),
      { numRuns: 500 },
    );
  }, SLOW);
});
