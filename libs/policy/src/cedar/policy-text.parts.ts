import { policySetTextToParts, policyToJson, type DetailedError } from './cedar.wasm';

/** One policy of a policy text, as written. */
export interface PolicyPart {
  /** The id Cedar gives it when the whole text is parsed: policy0, policy1, … in text order. */
  cedarId: string;
  /** Its `@id("…")` annotation, if any. */
  id: string | undefined;
  /** Its source text, verbatim (annotations included). */
  text: string;
  /** Where it starts in the whole text (a JavaScript string index). */
  index: number;
}

/** The policies of a text in text order, or Cedar's parse errors (byte offsets into the text). */
export type PolicyParts = { ok: true; parts: PolicyPart[]; templates: PolicyPart[] } | { ok: false; errors: DetailedError[] };

/** Splits a Cedar policy text into its policies, each with its `@id` and start index. */
export function policyTextParts(text: string): PolicyParts {
  const answer = policySetTextToParts(text);
  if (answer.type === 'failure') return { ok: false, errors: answer.errors };
  let cursor = 0;
  const locate = (cedarId: string, source: string): PolicyPart => {
    // Cedar hands back verbatim slices, so each is found after the one before it.
    const found = text.indexOf(source, cursor);
    const index = found < 0 ? cursor : found;
    cursor = found < 0 ? cursor : found + source.length;
    return { cedarId, id: annotatedId(source), text: source, index };
  };
  const parts = inTextOrder(answer.policies).map((source, i) => locate(`policy${i}`, source));
  const templates = answer.policy_templates.map((source) => ({ cedarId: '', id: annotatedId(source), text: source, index: Math.max(0, text.indexOf(source)) }));
  return { ok: true, parts, templates };
}

// policySetTextToParts sorts by id as a string (policy0, policy1, policy10, policy2, …): undo that.
function inTextOrder(sorted: string[]): string[] {
  const ids = sorted.map((_, i) => `policy${i}`).sort();
  const ordered = new Array<string>(sorted.length);
  ids.forEach((id, k) => {
    ordered[Number(id.slice('policy'.length))] = sorted[k]!;
  });
  return ordered;
}

function annotatedId(source: string): string | undefined {
  const json = policyToJson(source);
  return json.type === 'success' ? json.json.annotations?.id : undefined;
}
