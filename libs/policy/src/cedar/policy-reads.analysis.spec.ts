import { describe, expect, it } from 'vitest';
import { BASELINE_POLICY_TEXT } from './baseline.policy';
import { policyReads, readOnly } from './policy-reads.analysis';
import { policyTextParts } from './policy-text.parts';

const reads = (text: string) => {
  const split = policyTextParts(text);
  if (!split.ok) throw new Error('does not parse');
  return policyReads(split.parts.map((p) => p.text));
};

describe('policyReads', () => {
  it('the baseline reads these facts, and not confidence, tags, age, jurisdiction or adequacy', () => {
    const r = reads(BASELINE_POLICY_TEXT);
    expect(r.principal).toEqual(new Set());
    expect(r.resource).toEqual(new Set(['type', 'tlpRank']));
    expect(r.context).toEqual(
      new Set(['agreementState', 'agreementDirections', 'agreementTypes', 'agreementMaxTlpRank', 'agreementPseudonymize', 'audience', 'encrypted', 'onward', 'agreementLookups', 'agreementPurposes', 'purpose', 'agreementOnward']),
    );
  });

  it('finds attribute reads and `has` tests anywhere in an expression', () => {
    const r = reads('@id("a") permit (principal, action, resource) when { if principal has adequacy then resource.tags.contains("x") else [resource.ageDays].contains(1) };');
    expect(r).toEqual({ principal: new Set(['adequacy']), resource: new Set(['tags', 'ageDays']), context: new Set() });
  });

  it('a variable used as a whole reads all of it', () => {
    expect(reads('@id("a") permit (principal, action, resource) when { context == {} };').context).toBe('all');
    expect(reads('@id("a") permit (principal, action, resource) when { [resource].contains(resource) };').resource).toBe('all');
  });

  it('an entity literal of the request\'s own kind reads all of that variable (it is the same entity)', () => {
    const lit = reads('@id("a") forbid (principal, action, resource) when { Palermo::Indicator::"indicator".confidence < 50 };');
    expect(lit.resource).toBe('all');
    expect(lit.principal).toEqual(new Set());
    expect(reads('@id("a") permit (principal, action, resource) when { [Palermo::Partner::"de-bka"].contains(principal) };').principal).toBe('all');
    // A literal of an unrelated kind (here none exists) or a plain value reads nothing.
    expect(reads('@id("a") permit (principal, action, resource) when { ["x"].contains("x") };')).toEqual({ principal: new Set(), resource: new Set(), context: new Set() });
  });

  it('readOnly keeps the attributes read', () => {
    expect(readOnly({ a: 1, b: 2 }, new Set(['b']))).toEqual({ b: 2 });
    expect(readOnly({ a: 1, b: 2 }, 'all')).toEqual({ a: 1, b: 2 });
  });
});
