import { describe, expect, it } from 'vitest';
import type { PolicyProblem } from '../policy.types';
import { BASELINE_POLICY_TEXT } from './baseline.policy';
import { CedarPolicyEngine } from './cedar.engine';
import { DEFAULT_POLICY_TEXT } from './default.policy';
import { checkPolicyText, MAX_POLICY_TEXT_LENGTH } from './policy-text.check';

const IMPORT = 'Palermo::Action::"import"';
const only = (problems: PolicyProblem[]) => {
  expect(problems).toHaveLength(1);
  return problems[0]!;
};

describe('checkPolicyText', () => {
  it('accepts the default policy and an empty policy (which permits nothing)', () => {
    expect(checkPolicyText(DEFAULT_POLICY_TEXT)).toEqual([]);
    expect(checkPolicyText('')).toEqual([]);
    expect(checkPolicyText('// nothing yet\n')).toEqual([]);
  });

  it('the baseline itself validates against the schema (its only problems: the prefix it reserves)', () => {
    const problems = checkPolicyText(BASELINE_POLICY_TEXT);
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.message).toMatch(/reserved prefix "baseline\."/);
  });

  it('a syntax error is positioned in characters, not bytes, after multi-byte text', () => {
    const text = '// Überprüfung: 日本語 😀 — «ok»\n@id("a")\npermit (principal, actoin, resource);\n';
    expect(only(checkPolicyText(text))).toMatchObject({ severity: 'error', line: 3, column: 20, message: expect.stringContaining('actoin') });
  });

  it('a syntax error in a later line of multi-byte comments', () => {
    const text = '// ä\n// 😀😀\n@id("a") permit (principal, action, resource) when { resource.tlp == };\n';
    expect(only(checkPolicyText(text))).toMatchObject({ severity: 'error', line: 3 });
  });

  it('an unknown attribute is an error at the attribute, naming the policy', () => {
    const text = `// Ünïcode first\n@id("eu.colour")\npermit (principal, action == ${IMPORT}, resource)\nwhen { resource.colour == "red" };\n`;
    expect(only(checkPolicyText(text))).toMatchObject({ severity: 'error', line: 4, column: 8, policyId: 'eu.colour', message: expect.stringContaining('colour') });
  });

  it('an unknown context attribute is reported once, not once per action', () => {
    const text = '@id("a") permit (principal, action, resource) when { context.country == "NL" };';
    expect(only(checkPolicyText(text))).toMatchObject({ severity: 'error', line: 1, column: 54, policyId: 'a', message: expect.stringContaining('country') });
  });

  it('a type error (a number compared with text) is an error', () => {
    const problems = checkPolicyText(`@id("a") permit (principal, action == ${IMPORT}, resource) when { resource.confidence < "50" };`);
    expect(problems.some((p) => p.severity === 'error' && p.policyId === 'a')).toBe(true);
  });

  it('an impossible policy (only a warning for Cedar) is a failure', () => {
    const text = `@id("ok") permit (principal, action, resource);\n@id("never") forbid (principal is Palermo::Community, action == ${IMPORT}, resource);`;
    const problems = checkPolicyText(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.severity === 'warning' && p.policyId === 'never' && p.line === 2 && p.column === 1)).toBe(true);
    expect(() => CedarPolicyEngine.compile(text)).toThrowError(expect.objectContaining({ code: 'POLICY_INVALID' }));
  });

  it('a policy without @id is an error at the policy', () => {
    const text = '@id("a") permit (principal, action, resource);\n\n  // comment\n  permit (principal, action, resource);\n';
    expect(only(checkPolicyText(text))).toMatchObject({ severity: 'error', line: 4, column: 3, message: expect.stringContaining('@id') });
  });

  it('a duplicate id is an error at the second policy', () => {
    const text = '@id("x.share") permit (principal, action, resource);\n@id("x.share")\npermit (principal, action, resource);';
    expect(only(checkPolicyText(text))).toMatchObject({ severity: 'error', line: 2, column: 1, policyId: 'x.share', message: expect.stringContaining('already used') });
  });

  it.each(['baseline.mine', 'policy.default-deny'])('the reserved id %s is an error', (id) => {
    expect(only(checkPolicyText(`@id("${id}") permit (principal, action, resource);`))).toMatchObject({ severity: 'error', policyId: id, message: expect.stringContaining('reserved') });
  });

  it.each(['', 'has space', 'bell\u0007', '.dot-first', 'x'.repeat(129)])('the malformed id %j is an error', (id) => {
    expect(only(checkPolicyText(`@id(${JSON.stringify(id)}) permit (principal, action, resource);`)).severity).toBe('error');
  });

  it('a template (slots) is refused', () => {
    expect(only(checkPolicyText('@id("t") permit (principal == ?principal, action, resource);'))).toMatchObject({ severity: 'error', message: expect.stringContaining('templates') });
  });

  it('a lone surrogate is refused at its position', () => {
    expect(only(checkPolicyText('// ok\n// bad \uD800 here\n'))).toMatchObject({ line: 2, column: 8 });
  });

  it('an over-long text is refused', () => {
    expect(only(checkPolicyText(`// ${'x'.repeat(MAX_POLICY_TEXT_LENGTH)}`)).message).toMatch(/longer than/);
  });

  describe('policies nested too deeply for the engine are refused before Cedar sees them', () => {
    // Past ~130 nested brackets or ~365 chained operators Cedar's wasm build corrupts its memory and
    // every later call in the process fails: the guard must refuse these, and Cedar must still work after.
    const permit = (body: string) => `// a comment (with "quotes"
@id("deep")
permit (principal, action == ${IMPORT}, resource)
when { ${body} };`;
    const chain = (n: number, op: string) => Array.from({ length: n }, () => 'resource.confidence').join(` ${op} `) + ' > 0';
    it.each<[string, string]>([
      ['200 nested parentheses', `${'('.repeat(200)}true${')'.repeat(200)}`],
      ['200 nested sets', `${'['.repeat(200)}${']'.repeat(200)} == []`],
      ['a chain of 400 additions', chain(400, '+')],
      ['400 nested if-then-else', `${'if true then '.repeat(400)}true${' else false'.repeat(400)}`],
      ['a chain of 400 attribute reads', `context${'.agreementTypes'.repeat(400)}.isEmpty()`],
      ['parentheses around long chains', `(((${chain(60, '+')}) + ${chain(30, '+')}) + ${chain(30, '+')})`],
      ['a chain of 400 comparisons joined by &&', Array.from({ length: 400 }, () => 'resource.confidence > 1').join(' && ')],
      ['a chain of 400 alternatives joined by ||', Array.from({ length: 400 }, () => 'resource.type == "url"').join(' || ')],
    ])('%s', (_name, body) => {
      expect(only(checkPolicyText(permit(body)))).toMatchObject({ severity: 'error', message: expect.stringContaining('nested too deeply') });
    });

    it.each<[string, string]>([
      ['100 comparisons joined by &&', Array.from({ length: 100 }, () => 'resource.confidence > 1').join(' && ')],
      ['a long set', `[${Array.from({ length: 2000 }, (_, i) => `"t${i}"`).join(', ')}].contains(resource.type)`],
      ['30 nested parentheses', `${'('.repeat(30)}resource.confidence > 1${')'.repeat(30)}`],
      ['a chain of 50 additions', chain(50, '+')],
      ['operators inside strings and comments do not count', `"${'((((+.'.repeat(500)}" == resource.type`],
    ])('accepted just below the limit, and Cedar survives: %s', (_name, body) => {
      expect(checkPolicyText(permit(body))).toEqual([]);
      const engine = CedarPolicyEngine.compile(`${permit(body)}\n@id("raw") permit (principal, action == Palermo::Action::"importRaw", resource);`);
      expect(() => engine.decideImport([], new Date())).not.toThrow();
      expect(checkPolicyText(DEFAULT_POLICY_TEXT)).toEqual([]);
    });
  });

  it('problems come sorted by position, several at once', () => {
    const text = 'permit (principal, action, resource);\n@id("a") permit (principal, action, resource) when { resource.size > 1 };';
    const lines = checkPolicyText(text).map((p) => p.line);
    expect(lines[0]).toBe(1);
    expect(lines).toContain(2);
    expect(lines).toEqual([...lines].sort());
  });

  it('compile throws POLICY_INVALID carrying the same problems', () => {
    const text = '@id("a") permit (principal, action, resource) when { context.nope };';
    const error = (() => {
      try {
        CedarPolicyEngine.compile(text);
      } catch (e) {
        return e as { code: string; message: string; details: { problems: PolicyProblem[] } };
      }
      throw new Error('compiled');
    })();
    expect(error.code).toBe('POLICY_INVALID');
    expect(error.message).toMatch(/^policy is invalid: 1:54 /);
    expect(error.details.problems).toEqual(checkPolicyText(text));
  });
});
