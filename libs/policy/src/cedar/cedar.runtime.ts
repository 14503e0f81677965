import { createHash } from 'node:crypto';
import { preparsePolicySet, preparseSchema } from './cedar.wasm';
import { POLICY_SCHEMA_TEXT } from './policy.schema';

// The wasm module keeps preparsed schemas and policy sets in one global table, by name.
const SCHEMA_NAME = `palermo.schema.${sha256Hex(POLICY_SCHEMA_TEXT).slice(0, 16)}`;
let schemaPrepared = false;

/** The name of the preparsed policy schema, preparsing it on first use. */
export function preparedSchemaName(): string {
  if (!schemaPrepared) {
    const answer = preparseSchema(SCHEMA_NAME, POLICY_SCHEMA_TEXT);
    if (answer.type === 'failure') throw new Error(`policy schema does not parse: ${answer.errors.map((e) => e.message).join('; ')}`);
    schemaPrepared = true;
  }
  return SCHEMA_NAME;
}

// Engines compiled from the same policies share one preparsed set; the last engine to be garbage
// collected replaces it with an empty set, so compiling many policies (tests, simulations) does not
// grow the wasm heap without bound. The wasm API has no "drop".
const holders = new Map<string, number>();
const finalizer = new FinalizationRegistry<string>(release);

/** Preparses `policies` (id → policy text) for `owner`; returns the set's id for statefulIsAuthorized. */
export function preparePolicySet(owner: object, policies: Record<string, string>): string {
  const id = `palermo.policies.${sha256Hex(JSON.stringify(policies))}`;
  const count = holders.get(id) ?? 0;
  if (count === 0) {
    const answer = preparsePolicySet(id, { staticPolicies: policies });
    if (answer.type === 'failure') throw new Error(`policy set does not parse: ${answer.errors.map((e) => e.message).join('; ')}`);
  }
  holders.set(id, count + 1);
  finalizer.register(owner, id);
  return id;
}

/** How many distinct policy sets are preparsed right now (for tests). */
export function preparedPolicySetCount(): number {
  return holders.size;
}

function release(id: string): void {
  const count = (holders.get(id) ?? 1) - 1;
  if (count > 0) {
    holders.set(id, count);
    return;
  }
  holders.delete(id);
  preparsePolicySet(id, { staticPolicies: {} });
}

/** Lower-case hex SHA-256 of the UTF-8 of `text`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
