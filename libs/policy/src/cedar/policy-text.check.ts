import { validate, type DetailedError, type ValidationError } from './cedar.wasm';
import type { PolicyProblem } from '../policy.types';
import { POLICY_SCHEMA_TEXT } from './policy.schema';
import { MAX_POLICY_DEPTH, tooDeepAt } from './policy-text.depth';
import { policyTextParts, type PolicyPart } from './policy-text.parts';
import { positionOfByteOffset, positionOfIndex } from './source.position';

/** Longest jurisdiction policy text, in characters. */
export const MAX_POLICY_TEXT_LENGTH = 256 * 1024;
/** Policy ids: what may appear in a decision's reasons. */
export const POLICY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Id prefixes the engine keeps for itself: the baseline and its own labels (policy.default-deny, …). */
export const RESERVED_ID_PREFIXES = ['baseline.', 'policy.'] as const;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Schema-validates a jurisdiction policy text (with the baseline); warnings count as failures.
 * [] = valid. Positions refer to `text` itself, never to the merged baseline.
 */
export function checkPolicyText(text: string): PolicyProblem[] {
  const early = textProblem(text);
  if (early) return [early];
  try {
    return cedarProblems(text);
  } catch (error) {
    // Defence in depth behind the depth guard: a throwing check refuses the text, it never passes it.
    return [{ severity: 'error', line: 1, column: 1, message: `the policy engine could not check this text: ${error instanceof Error ? error.message : String(error)}` }];
  }
}

function cedarProblems(text: string): PolicyProblem[] {
  const split = policyTextParts(text);
  if (!split.ok) return split.errors.map((e) => problemAt(text, e, 'error'));
  const templates = split.templates.map((t) => problemAtIndex(text, t, 'templates (policies with ?principal or ?resource slots) are not supported'));
  // Cedar does not validate a text with templates as a static policy set: report them and stop there.
  const problems = [...templates, ...idProblems(text, split.parts), ...(templates.length > 0 ? [] : schemaProblems(text, split.parts))];
  return distinct(problems).sort((a, b) => a.line - b.line || a.column - b.column);
}

// Cedar reports one problem once per action it type-checks the policy for: say it once.
function distinct(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.severity, p.line, p.column, p.message]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function textProblem(text: string): PolicyProblem | undefined {
  if (text.length > MAX_POLICY_TEXT_LENGTH) {
    return { severity: 'error', line: 1, column: 1, message: `policy text is longer than ${MAX_POLICY_TEXT_LENGTH} characters` };
  }
  // A lone surrogate has no UTF-8 form: Cedar would see another text than the officer wrote.
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) return { severity: 'error', ...positionOfIndex(text, surrogate.index), message: 'contains a lone UTF-16 surrogate (not valid text)' };
  const deep = tooDeepAt(text);
  if (deep) {
    const message = `policy is nested too deeply for the engine (estimated depth ${deep.depth}, at most ${MAX_POLICY_DEPTH}): split it or use fewer parentheses`;
    return { severity: 'error', ...positionOfIndex(text, deep.index), message };
  }
  return undefined;
}

// Every policy needs a unique, well-formed @id that is not reserved: it is what a decision cites.
function idProblems(text: string, parts: PolicyPart[]): PolicyProblem[] {
  const seen = new Map<string, PolicyPart>();
  const problems: PolicyProblem[] = [];
  for (const part of parts) {
    const problem = idProblem(part, seen);
    if (problem) problems.push(problemAtIndex(text, part, problem));
    if (part.id !== undefined && !seen.has(part.id)) seen.set(part.id, part);
  }
  return problems;
}

function idProblem(part: PolicyPart, seen: Map<string, PolicyPart>): string | undefined {
  const { id } = part;
  if (id === undefined) return 'policy has no @id("...") annotation; every policy needs one (decisions cite it)';
  if (!POLICY_ID_PATTERN.test(id)) return `@id ${JSON.stringify(id)} must be 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`;
  const reserved = RESERVED_ID_PREFIXES.find((prefix) => id.startsWith(prefix));
  if (reserved) return `@id ${JSON.stringify(id)} uses the reserved prefix "${reserved}"`;
  const first = seen.get(id);
  if (first) return `@id ${JSON.stringify(id)} is already used by another policy`;
  return undefined;
}

// Strict Cedar validation of the officer's text alone: positions then refer to it. Every policy is
// type-checked on its own, so the merged baseline adds nothing here (it is checked by its own test).
function schemaProblems(text: string, parts: PolicyPart[]): PolicyProblem[] {
  const answer = validate({ schema: POLICY_SCHEMA_TEXT, policies: { staticPolicies: text } });
  if (answer.type === 'failure') {
    return [...answer.errors.map((e) => problemAt(text, e, 'error')), ...answer.warnings.map((e) => problemAt(text, e, 'warning'))];
  }
  const ids = new Map(parts.map((p) => [p.cedarId, p.id]));
  const of = (v: ValidationError, severity: PolicyProblem['severity']) => problemAt(text, v.error, severity, ids.get(v.policyId), v.policyId);
  return [
    ...answer.validationErrors.map((v) => of(v, 'error')),
    ...answer.validationWarnings.map((v) => of(v, 'warning')),
    ...answer.otherWarnings.map((e) => problemAt(text, e, 'warning')),
  ];
}

function problemAt(text: string, error: DetailedError, severity: PolicyProblem['severity'], policyId?: string, cedarId?: string): PolicyProblem {
  const offset = error.sourceLocations?.[0]?.start ?? 0;
  const problem: PolicyProblem = { severity, ...positionOfByteOffset(text, offset), message: cleanMessage(error, cedarId, policyId) };
  if (policyId !== undefined) problem.policyId = policyId;
  return problem;
}

function problemAtIndex(text: string, part: PolicyPart, message: string): PolicyProblem {
  const problem: PolicyProblem = { severity: 'error', ...positionOfIndex(text, part.index), message };
  if (part.id !== undefined) problem.policyId = part.id;
  return problem;
}

// Cedar names policies policy0, policy1, …, which mean nothing to the officer: name the @id instead.
function cleanMessage(error: DetailedError, cedarId: string | undefined, policyId: string | undefined): string {
  let message = error.message.replace(/^failed to parse policies from string: /, '');
  if (cedarId) message = message.replace(`for policy \`${cedarId}\`, `, policyId ? `in policy "${policyId}": ` : '');
  message = message.replace(/ for Palermo::Action::"[A-Za-z]+"/, '');
  return error.help ? `${message} (${error.help})` : message;
}
