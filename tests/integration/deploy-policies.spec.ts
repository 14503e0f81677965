import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndicatorType, Tlp } from '@palermo/indicators';
import { CedarPolicyEngine, checkPolicyText, type AgreementTerms, type ExportRequest, type ImportRequest, type IndicatorFacts } from '@palermo/policy';

// The sample jurisdiction policies in deploy/policies: each validates, and decides as its comments say.
const dir = join(__dirname, '../../deploy/policies');
const files = readdirSync(dir).filter((f) => f.endsWith('.cedar'));
const text = (file: string) => readFileSync(join(dir, file), 'utf8');
const engine = (file: string) => CedarPolicyEngine.compile(text(file));

const NOW = new Date('2026-03-01T12:00:00.000Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

const terms = (overrides: Partial<AgreementTerms> = {}): AgreementTerms => ({
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  partner: 'xx-partner',
  directions: ['export', 'import'],
  types: ['phone', 'email', 'username', 'url', 'domain', 'ip', 'crypto-wallet', 'iban', 'keyword', 'file-sha256'],
  maxTlp: 'red',
  purposes: ['investigation'],
  retentionDays: 365,
  pseudonymize: [],
  lookups: true,
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: null,
  state: 'active',
  ...overrides,
});
const facts = (type: IndicatorType, tlp: Tlp, more: Partial<IndicatorFacts> = {}): IndicatorFacts => ({
  type, tlp, confidence: 90, tags: ['ht:labour'], firstSeen: daysAgo(10), origin: 'xx-partner', ...more,
});
const partner = (adequacy: boolean) => ({ nodeId: 'xx-partner', jurisdiction: 'XX', adequacy });
const imported = (indicator: IndicatorFacts, adequacy = true, agreement = terms()): ImportRequest => ({ indicator, publisher: partner(adequacy), audience: 'nl-police', agreement });
const exported = (indicator: IndicatorFacts, adequacy = true, agreement = terms()): ExportRequest => ({ indicator: { ...indicator, origin: 'nl-police' }, audience: 'xx-partner', partner: partner(adequacy), agreement });
const toAll = (indicator: IndicatorFacts): ExportRequest => ({ indicator: { ...indicator, origin: 'nl-police' }, audience: 'all', partner: null, agreement: null });

describe('sample policies in deploy/policies', () => {
  it('ships three .cedar samples and no old YAML ones', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.yaml'))).toEqual([]);
  });

  it.each(files)('%s validates (no errors, no warnings) and says it is not legal advice', (file) => {
    expect(checkPolicyText(text(file))).toEqual([]);
    expect(text(file)).toMatch(/NOT LEGAL ADVICE/);
  });

  it('eu-data-minimization: personal identifiers from partners without adequacy kept only as pseudonyms', () => {
    const eu = engine('eu-data-minimization.cedar');
    expect(eu.decideImport([imported(facts('phone', 'green'), false)], NOW)).toEqual([
      { action: 'accept-pseudonymized', reasons: ['eu.import', 'eu.pseudonymize-personal-identifiers'] },
    ]);
    expect(eu.decideImport([imported(facts('iban', 'amber'), false)], NOW)[0]!.action).toBe('accept-pseudonymized');
    expect(eu.decideImport([imported(facts('phone', 'green'), true)], NOW)).toEqual([{ action: 'accept', reasons: ['eu.import', 'eu.import-values'] }]);
    expect(eu.decideImport([imported(facts('url', 'green'), false)], NOW)[0]!.action).toBe('accept');
  });

  it('eu-data-minimization: descriptions only to partners with adequacy', () => {
    const eu = engine('eu-data-minimization.cedar');
    expect(eu.decideExport([exported(facts('url', 'green'), false)], NOW)).toEqual([{ action: 'share-stripped', reasons: ['eu.share', 'eu.descriptions-need-adequacy'] }]);
    expect(eu.decideExport([exported(facts('url', 'green'), true)], NOW)).toEqual([{ action: 'share', reasons: ['eu.share', 'eu.share-descriptions'] }]);
    expect(eu.decideExport([toAll(facts('url', 'clear'))], NOW)[0]!.action).toBe('share-stripped');
  });

  it('no-red: no TLP:RED from anyone, nothing under confidence 50', () => {
    const noRed = engine('no-red.cedar');
    expect(noRed.decideImport([imported(facts('url', 'red'))], NOW)[0]!.reasons).toContain('nored.no-red');
    expect(noRed.decideImport([imported(facts('url', 'amber', { confidence: 49 }))], NOW)).toEqual([{ action: 'reject', reasons: ['nored.ignore-low-confidence'] }]);
    expect(noRed.decideImport([imported(facts('url', 'amber', { confidence: 50 }))], NOW)).toEqual([{ action: 'accept', reasons: ['nored.import', 'nored.import-values'] }]);
    expect(noRed.decideExport([exported(facts('url', 'amber', { confidence: 10 }))], NOW)[0]!.action).toBe('share');
  });

  it('two-year-retention: refuses agreements over 730 days or unlimited, and indicators first seen 730+ days ago', () => {
    const twoYears = engine('two-year-retention.cedar');
    const refused = { action: 'reject', reasons: ['retention.agreement-over-two-years'] };
    expect(twoYears.decideImport([imported(facts('url', 'green'), true, terms({ retentionDays: 731 }))], NOW)).toEqual([refused]);
    expect(twoYears.decideImport([imported(facts('url', 'green'), true, terms({ retentionDays: null }))], NOW)).toEqual([refused]);
    expect(twoYears.decideExport([exported(facts('url', 'green'), true, terms({ retentionDays: null }))], NOW)).toEqual([{ ...refused, action: 'withhold' }]);
    const ok = terms({ retentionDays: 730 });
    expect(twoYears.decideImport([imported(facts('url', 'green', { firstSeen: daysAgo(729) }), true, ok)], NOW)[0]!.action).toBe('accept');
    expect(twoYears.decideImport([imported(facts('url', 'green', { firstSeen: daysAgo(730) }), true, ok)], NOW)).toEqual([
      { action: 'reject', reasons: ['retention.first-seen-over-two-years'] },
    ]);
  });
});
