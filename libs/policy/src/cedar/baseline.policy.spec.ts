import { describe, expect, it } from 'vitest';
import { agreement, exportTo, exportToAll, facts, importFrom, lookupBy, NOW } from '../policy.fixtures';
import type { Decision, ExportRequest, ImportRequest, LookupRequest } from '../policy.types';
import { BASELINE_RULE_IDS } from './baseline.policy';
import { CedarPolicyEngine } from './cedar.engine';
import { DEFAULT_POLICY_TEXT } from './default.policy';

// One table per kind of decision, each row firing one baseline rule (or none), under the default
// policy, which permits everything: what is left is the baseline alone.
const engine = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
const SHARE = { action: 'share', reasons: ['default.share', 'default.share-raw'] };
const ACCEPT = { action: 'accept', reasons: ['default.import', 'default.import-raw'] };
const withhold = (...reasons: string[]) => ({ action: 'withhold', reasons });
const reject = (...reasons: string[]) => ({ action: 'reject', reasons });
const red = (tlp: 'red' | 'amber+strict' = 'red') => ({ indicator: facts({ tlp, origin: 'nl-police' }), agreement: agreement({ maxTlp: 'red' }) });

const exportRows: [string, ExportRequest, Decision<string>][] = [
  ['GREEN to a partner within its active agreement', exportTo(), SHARE],
  ['AMBER to a partner whose agreement allows AMBER (need-to-know within the agreement)', exportTo({ indicator: facts({ tlp: 'amber' }) }), SHARE],
  ['draft agreement', exportTo({ agreement: agreement({ state: 'draft' }) }), withhold('baseline.agreement-not-active')],
  ['suspended agreement: export stops at once', exportTo({ agreement: agreement({ state: 'suspended' }) }), withhold('baseline.agreement-not-active')],
  ['terminated agreement', exportTo({ agreement: agreement({ state: 'terminated' }) }), withhold('baseline.agreement-not-active')],
  ['superseded agreement', exportTo({ agreement: agreement({ state: 'superseded' }) }), withhold('baseline.agreement-not-active')],
  ['expired agreement', exportTo({ agreement: agreement({ validUntil: '2026-02-01T00:00:00.000Z' }) }), withhold('baseline.agreement-not-active')],
  ['agreement not yet valid', exportTo({ agreement: agreement({ validFrom: '2026-06-01T00:00:00.000Z' }) }), withhold('baseline.agreement-not-active')],
  ['import-only agreement', exportTo({ agreement: agreement({ directions: ['import'] }) }), withhold('baseline.export-not-agreed')],
  ['type not in the agreement', exportTo({ agreement: agreement({ types: ['email'] }) }), withhold('baseline.type-not-agreed')],
  ['AMBER above an agreement that stops at GREEN', exportTo({ indicator: facts({ tlp: 'amber' }), agreement: agreement({ maxTlp: 'green' }) }), withhold('baseline.tlp-above-agreement')],
  ['RED to its named recipient, unencrypted', exportTo(red()), withhold('baseline.tlp-needs-encryption')],
  ['RED to its named recipient, encrypted (issue 4)', exportTo({ ...red(), encrypted: true }), SHARE],
  ['AMBER+STRICT to its recipient, encrypted', exportTo({ ...red('amber+strict'), encrypted: true }), SHARE],
  ['AMBER+STRICT passed on, even encrypted', exportTo({ ...red('amber+strict'), agreement: agreement({ maxTlp: 'red', onward: true }), encrypted: true, onward: true }), withhold('baseline.strict-never-onward')],
  ['RED passed on, unencrypted', exportTo({ ...red(), agreement: agreement({ maxTlp: 'red', onward: true }), onward: true }), withhold('baseline.tlp-needs-encryption', 'baseline.strict-never-onward')],
  ['GREEN passed on under an agreement that allows onward sharing', exportTo({ agreement: agreement({ onward: true }), onward: true }), SHARE],
  ['GREEN passed on without onward sharing in the agreement', exportTo({ onward: true }), withhold('baseline.onward-not-agreed')],
  ['CLEAR passed on to the community chain: never (no agreement term can allow it there)', { ...exportToAll(facts({ tlp: 'clear', origin: 'fr-police' })), onward: true }, withhold('baseline.onward-not-agreed')],
  ['RED to a partner whose agreement stops at AMBER, encrypted', exportTo({ ...red(), agreement: agreement(), encrypted: true }), withhold('baseline.tlp-above-agreement')],
  ['CLEAR to the community chain', exportToAll(), SHARE],
  ['GREEN to the community chain', exportToAll(facts({ tlp: 'green' })), withhold('baseline.community-clear-only')],
  ['AMBER to the community chain', exportToAll(facts({ tlp: 'amber' })), withhold('baseline.community-clear-only')],
  ['RED to the community chain', exportToAll(facts({ tlp: 'red' })), withhold('baseline.community-clear-only', 'baseline.tlp-needs-encryption')],
];

describe('baseline: export', () => {
  it.each(exportRows)('%s', (_name, request, expected) => {
    expect(engine.decideExport([request], NOW)).toEqual([expected]);
  });

  it('a partner without any agreement gets nothing, and is told why', () => {
    const [decision] = engine.decideExport([exportTo({ agreement: null })], NOW);
    expect(decision!.action).toBe('withhold');
    expect(decision!.reasons[0]).toBe('baseline.agreement-not-active');
  });
});

const importRows: [string, ImportRequest, Decision<string>][] = [
  ['GREEN from a partner within its active agreement', importFrom(), ACCEPT],
  ['AMBER relayed by the publisher (not STRICT) under an onward agreement: kept', importFrom({ indicator: facts({ tlp: 'amber', origin: 'fr-police' }), agreement: agreement({ onward: true }) }), ACCEPT],
  ['GREEN relayed by a publisher whose agreement does not allow onward sharing', importFrom({ indicator: facts({ origin: 'fr-police' }) }), reject('baseline.onward-not-agreed')],
  ['relayed on the community chain (no agreement term can allow it there)', importFrom({ audience: 'all', indicator: facts({ tlp: 'clear', origin: 'fr-police' }) }), reject('baseline.onward-not-agreed')],
  ['CLEAR on the community chain', importFrom({ audience: 'all', indicator: facts({ tlp: 'clear' }) }), ACCEPT],
  ['suspended agreement: later bundles rejected with the reason', importFrom({ agreement: agreement({ state: 'suspended' }) }), reject('baseline.agreement-not-active')],
  ['export-only agreement', importFrom({ agreement: agreement({ directions: ['export'] }) }), reject('baseline.import-not-agreed')],
  ['export-only agreement, community chain', importFrom({ audience: 'all', indicator: facts({ tlp: 'clear' }), agreement: agreement({ directions: ['export'] }) }), reject('baseline.import-not-agreed')],
  ['type not in the agreement', importFrom({ agreement: agreement({ types: ['url'] }) }), reject('baseline.type-not-agreed')],
  ['AMBER above the agreement', importFrom({ indicator: facts({ tlp: 'amber' }), agreement: agreement({ maxTlp: 'clear' }) }), reject('baseline.tlp-above-agreement')],
  ['pseudonymization agreed for the type', importFrom({ agreement: agreement({ pseudonymize: ['phone'] }) }), { action: 'accept-pseudonymized', reasons: ['default.import', 'baseline.pseudonymize-agreed'] }],
  ['GREEN on the community chain', importFrom({ audience: 'all' }), reject('baseline.community-clear-only')],
  ['RED that arrived in a bundle not encrypted to this node', importFrom({ indicator: facts({ tlp: 'red' }), agreement: agreement({ maxTlp: 'red' }) }), reject('baseline.tlp-arrived-unencrypted')],
  ['AMBER+STRICT that arrived unencrypted', importFrom({ indicator: facts({ tlp: 'amber+strict' }), agreement: agreement({ maxTlp: 'red' }) }), reject('baseline.tlp-arrived-unencrypted')],
  ['RED that arrived encrypted to this node', importFrom({ indicator: facts({ tlp: 'red' }), agreement: agreement({ maxTlp: 'red' }), encrypted: true }), ACCEPT],
  ['AMBER+STRICT that arrived encrypted', importFrom({ indicator: facts({ tlp: 'amber+strict' }), agreement: agreement({ maxTlp: 'red' }), encrypted: true }), ACCEPT],
  ['RED encrypted, but above the agreement', importFrom({ indicator: facts({ tlp: 'red' }), encrypted: true }), reject('baseline.tlp-above-agreement')],
  ['CLEAR unencrypted (only the restricted markings need it)', importFrom({ indicator: facts({ tlp: 'clear' }) }), ACCEPT],
  [
    'AMBER+STRICT relayed by the publisher',
    importFrom({ indicator: facts({ tlp: 'amber+strict', origin: 'fr-police' }), agreement: agreement({ maxTlp: 'red', onward: true }) }),
    reject('baseline.tlp-arrived-unencrypted', 'baseline.strict-never-onward'),
  ],
  [
    'AMBER+STRICT relayed by the publisher, even encrypted',
    importFrom({ indicator: facts({ tlp: 'amber+strict', origin: 'fr-police' }), agreement: agreement({ maxTlp: 'red', onward: true }), encrypted: true }),
    reject('baseline.strict-never-onward'),
  ],
];

describe('baseline: import', () => {
  it.each(importRows)('%s', (_name, request, expected) => {
    expect(engine.decideImport([request], NOW)).toEqual([expected]);
  });

  it('nothing from a publisher without an agreement, on any chain', () => {
    for (const audience of ['nl-police', 'all']) {
      const [decision] = engine.decideImport([importFrom({ audience, agreement: null, indicator: facts({ tlp: 'clear' }) })], NOW);
      expect(decision!.action).toBe('reject');
      expect(decision!.reasons[0]).toBe('baseline.agreement-not-active');
    }
  });
});

const lookupRows: [string, LookupRequest, Decision<string>][] = [
  ['agreed type and purpose', lookupBy(), { action: 'allow', reasons: ['default.lookup'] }],
  ['lookups not agreed', lookupBy({ agreement: agreement({ lookups: false }) }), { action: 'refuse', reasons: ['baseline.lookup-not-agreed'] }],
  ['purpose not agreed', lookupBy({ purpose: 'prevention' }), { action: 'refuse', reasons: ['baseline.lookup-not-agreed'] }],
  ['type not agreed', lookupBy({ type: 'iban', agreement: agreement({ types: ['phone'] }) }), { action: 'refuse', reasons: ['baseline.type-not-agreed'] }],
  ['suspended agreement', lookupBy({ agreement: agreement({ state: 'suspended' }) }), { action: 'refuse', reasons: ['baseline.agreement-not-active'] }],
];

describe('baseline: lookup', () => {
  it.each(lookupRows)('%s', (_name, request, expected) => {
    expect(engine.decideLookup([request], NOW)).toEqual([expected]);
  });
});

it('every baseline rule decides at least one row of the tables above', () => {
  const cited = new Set([...exportRows, ...importRows, ...lookupRows].flatMap(([, , expected]) => expected.reasons));
  expect(BASELINE_RULE_IDS.filter((id) => !cited.has(id))).toEqual([]);
});
