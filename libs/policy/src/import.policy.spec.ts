import { describe, expect, it } from 'vitest';
import type { IndicatorType, Tlp } from '@palermo/indicators';
import { ConfigImportPolicy, importPolicyConfigSchema } from './import.policy';
import { importRequest } from './policy.fixtures';
import type { ImportDecision, ImportPolicyConfig } from './policy.types';

const strict: ImportPolicyConfig = {
  allowedTypes: ['phone', 'email', 'username', 'crypto-wallet'],
  minConfidence: 50,
  maxTlp: 'amber',
  pseudonymizeTypes: ['phone', 'username'],
};
type Facts = { type: IndicatorType; confidence: number; tlp: Tlp };
const ok: Facts = { type: 'email', confidence: 80, tlp: 'green' };

describe('ConfigImportPolicy', () => {
  it.each<[string, ImportPolicyConfig, Partial<Facts>, ImportDecision]>([
    ['empty config accepts everything', {}, { type: 'keyword', confidence: 0, tlp: 'red' }, { action: 'accept', reasons: ['import.default-accept'] }],
    ['no rule fires → default accept', strict, {}, { action: 'accept', reasons: ['import.default-accept'] }],
    ['type not allowed', strict, { type: 'domain' }, { action: 'reject', reasons: ['import.type-not-allowed'] }],
    ['empty allow-list keeps nothing', { allowedTypes: [] }, {}, { action: 'reject', reasons: ['import.type-not-allowed'] }],
    ['confidence below minimum', strict, { confidence: 49 }, { action: 'reject', reasons: ['import.confidence-below-minimum'] }],
    ['confidence at the minimum is kept', strict, { confidence: 50 }, { action: 'accept', reasons: ['import.default-accept'] }],
    ['minConfidence 0 keeps confidence 0', { minConfidence: 0 }, { confidence: 0 }, { action: 'accept', reasons: ['import.default-accept'] }],
    ['tlp above maximum', strict, { tlp: 'amber+strict' }, { action: 'reject', reasons: ['import.tlp-above-maximum'] }],
    ['tlp red above amber', strict, { tlp: 'red' }, { action: 'reject', reasons: ['import.tlp-above-maximum'] }],
    ['tlp at the maximum is kept', strict, { tlp: 'amber' }, { action: 'accept', reasons: ['import.default-accept'] }],
    ['maxTlp clear rejects green', { maxTlp: 'clear' }, { tlp: 'green' }, { action: 'reject', reasons: ['import.tlp-above-maximum'] }],
    ['pseudonymized type', strict, { type: 'phone' }, { action: 'accept-pseudonymized', reasons: ['import.pseudonymize-type'] }],
    ['pseudonymize without an allow-list', { pseudonymizeTypes: ['iban'] }, { type: 'iban' }, { action: 'accept-pseudonymized', reasons: ['import.pseudonymize-type'] }],
    [
      'reject beats pseudonymize; both are listed',
      strict,
      { type: 'username', confidence: 10 },
      { action: 'reject', reasons: ['import.confidence-below-minimum', 'import.pseudonymize-type'] },
    ],
    [
      'pseudonymize listed for a type that is also not allowed',
      { allowedTypes: ['email'], pseudonymizeTypes: ['phone'] },
      { type: 'phone' },
      { action: 'reject', reasons: ['import.type-not-allowed', 'import.pseudonymize-type'] },
    ],
    [
      'every rejecting rule fires, in rule order',
      strict,
      { type: 'ip', confidence: 1, tlp: 'red' },
      { action: 'reject', reasons: ['import.type-not-allowed', 'import.confidence-below-minimum', 'import.tlp-above-maximum'] },
    ],
    [
      'all four rules fire',
      { ...strict, allowedTypes: ['email'] },
      { type: 'phone', confidence: 1, tlp: 'red' },
      { action: 'reject', reasons: ['import.type-not-allowed', 'import.confidence-below-minimum', 'import.tlp-above-maximum', 'import.pseudonymize-type'] },
    ],
    ['low confidence + high tlp', strict, { confidence: 0, tlp: 'amber+strict' }, { action: 'reject', reasons: ['import.confidence-below-minimum', 'import.tlp-above-maximum'] }],
  ])('%s', (_name, config, facts, expected) => {
    const [decision] = new ConfigImportPolicy(config).decideImport([importRequest({ ...ok, ...facts })]);
    expect(decision).toEqual(expected);
  });

  it('decides a batch one for one, in order', () => {
    const policy = new ConfigImportPolicy(strict);
    const decisions = policy.decideImport([importRequest({ type: 'email' }), importRequest({ type: 'phone' }), importRequest({ type: 'ip' })]);
    expect(decisions.map((d) => d.action)).toEqual(['accept', 'accept-pseudonymized', 'reject']);
    expect(policy.decideImport([])).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['an unknown type', { allowedTypes: ['telex'] }],
    ['confidence above 100', { minConfidence: 101 }],
    ['fractional confidence', { minConfidence: 50.5 }],
    ['an unknown TLP', { maxTlp: 'white' }],
    ['a misspelt rule (would silently relax the policy)', { minConfidense: 90 }],
  ])('refuses a config with %s: POLICY_CONFIG_INVALID', (_name, config) => {
    expect(() => new ConfigImportPolicy(config as ImportPolicyConfig)).toThrowError(expect.objectContaining({ code: 'POLICY_CONFIG_INVALID' }));
    expect(importPolicyConfigSchema.safeParse(config).success).toBe(false);
  });

  it('importPolicyConfigSchema accepts the YAML import section as parsed', () => {
    expect(importPolicyConfigSchema.parse(strict)).toEqual(strict);
    expect(importPolicyConfigSchema.parse({})).toEqual({});
  });
});
