import { statefulIsAuthorized } from './cedar.wasm';
import { DomainError } from '@palermo/indicators';
import {
  DEFAULT_DENY_REASON,
  EVALUATION_ERROR_REASON,
  REQUEST_INVALID_REASON,
  type Decision,
  type ExportDecision,
  type ExportPolicy,
  type ExportRequest,
  type ImportDecision,
  type ImportPolicy,
  type ImportRequest,
  type LookupDecision,
  type LookupRequest,
} from '../policy.types';
import { BASELINE_POLICY_TEXT, BASELINE_RULE_IDS } from './baseline.policy';
import { exportQuery, importQuery, lookupQuery, type CedarQuery } from './cedar-request.builder';
import { preparedSchemaName, preparePolicySet, sha256Hex } from './cedar.runtime';
import { DecisionCache, DEFAULT_DECISION_CACHE_SIZE } from './decision.cache';
import { checkPolicyText } from './policy-text.check';
import { policyReads, readOnly, type PolicyReads } from './policy-reads.analysis';
import { policyTextParts, type PolicyPart } from './policy-text.parts';

/** Options of CedarPolicyEngine.compile. */
export interface CedarEngineOptions {
  /** Equivalence classes remembered (default 50 000; 0 = evaluate every request). */
  cacheSize?: number;
}

/** Evaluation counters: requests answered vs Cedar calls made (the rest came from the class cache). */
export interface CedarEngineStats {
  requests: number;
  evaluations: number;
}

type Verdict = { outcome: 'allow' | 'deny' | 'error'; reasons: string[] };
type Cedar = 'share' | 'shareRaw' | 'import' | 'importRaw' | 'lookup';

/**
 * A jurisdiction policy merged with the baseline, preparsed once. Every decision is cached by
 * equivalence class (the facts the policies read), and any evaluation error fails closed.
 */
export class CedarPolicyEngine implements ImportPolicy, ExportPolicy {
  /** Lower-case hex SHA-256 of the jurisdiction policy text (UTF-8). */
  readonly sha256: string;
  private readonly policySetId: string;
  private readonly order: Map<string, number>;
  private readonly reads: PolicyReads;
  private readonly cache: DecisionCache<Decision<string>>;
  private readonly counters: CedarEngineStats = { requests: 0, evaluations: 0 };
  private threw = false;

  private constructor(text: string, parts: PolicyPart[], options: CedarEngineOptions) {
    this.sha256 = sha256Hex(text);
    const all = [...BASELINE_PARTS, ...parts];
    this.order = new Map(all.map((p, i) => [p.id!, i]));
    this.policySetId = preparePolicySet(this, Object.fromEntries(all.map((p) => [p.id!, p.text])));
    this.reads = policyReads(all.map((p) => p.text));
    this.cache = new DecisionCache(options.cacheSize ?? DEFAULT_DECISION_CACHE_SIZE);
  }

  /** Validates `text` and compiles it with the baseline; throws DomainError('POLICY_INVALID', msg, { problems }) when checkPolicyText finds anything. */
  static compile(text: string, options: CedarEngineOptions = {}): CedarPolicyEngine {
    const problems = checkPolicyText(text);
    if (problems.length > 0) {
      const first = problems[0]!;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      throw new DomainError('POLICY_INVALID', `policy is invalid: ${first.line}:${first.column} ${first.message}${more}`, { problems });
    }
    const split = policyTextParts(text);
    if (!split.ok) throw new Error('policy text parsed in check but not in compile');
    return new CedarPolicyEngine(text, split.parts, options);
  }

  /** Evaluation counters since compile (a snapshot). */
  get stats(): CedarEngineStats {
    return { ...this.counters };
  }

  /** One decision per request, in order: share, share-stripped (no description) or withhold. */
  decideExport(requests: readonly ExportRequest[], now: Date = new Date()): ExportDecision[] {
    return requests.map((r) => this.decide('export', () => exportQuery(r, now), (q) => this.twoStep(q, 'share', 'shareRaw', EXPORT_ACTIONS), 'withhold'));
  }

  /**
   * `shareRaw` on its own, without the `share` gate, for an explicit decision that stands in for a
   * `share` the policy did not give (a disclosure): share = it may go with its free text;
   * share-stripped = a forbid or a default deny on shareRaw (reasons name them); withhold = the
   * request or an evaluation failed (fail closed).
   */
  decideRawExport(requests: readonly ExportRequest[], now: Date = new Date()): ExportDecision[] {
    return requests.map((r) => this.decide('export-raw', () => exportQuery(r, now), (q) => this.raw(q), 'withhold'));
  }

  /** One decision per request, in order: accept, accept-pseudonymized or reject. */
  decideImport(requests: readonly ImportRequest[], now: Date = new Date()): ImportDecision[] {
    return requests.map((r) => this.decide('import', () => importQuery(r, now), (q) => this.twoStep(q, 'import', 'importRaw', IMPORT_ACTIONS), 'reject'));
  }

  /** One decision per lookup request, in order: allow or refuse. */
  decideLookup(requests: readonly LookupRequest[], now: Date = new Date()): LookupDecision[] {
    return requests.map((r) => this.decide('lookup', () => lookupQuery(r, now), (q) => this.lookup(q), 'refuse'));
  }

  private decide<A extends string>(kind: string, build: () => CedarQuery | null, evaluate: (q: CedarQuery) => Decision<A>, closed: A): Decision<A> {
    this.counters.requests += 1;
    let query: CedarQuery | null;
    try {
      query = build();
    } catch {
      query = null;
    }
    if (!query) return { action: closed, reasons: [REQUEST_INVALID_REASON] };
    const key = this.classKey(kind, query);
    let decision = this.cache.get(key) as Decision<A> | undefined;
    if (!decision) {
      this.threw = false;
      decision = evaluate(query);
      // A thrown call (e.g. the JS stack ran out) says nothing about the class: decide again next time.
      if (!this.threw) this.cache.set(key, decision);
    }
    return { action: decision.action, reasons: [...decision.reasons] };
  }

  // The equivalence class: the facts some policy of this set reads (and the entity ids), nothing else.
  private classKey(kind: string, q: CedarQuery): string {
    const { principal, resource, context } = this.reads;
    return JSON.stringify([kind, q.principal.id, q.resource.id, readOnly(q.principalAttrs, principal), readOnly(q.resourceAttrs, resource), readOnly(q.context, context)]);
  }

  // The gate action decides whether the indicator goes at all; the raw action whether it goes whole.
  private twoStep<A extends string>(q: CedarQuery, gate: Cedar, raw: Cedar, actions: readonly [A, A, A]): Decision<A> {
    const [whole, reduced, closed] = actions;
    const first = this.evaluate(q, gate);
    if (first.outcome !== 'allow') return { action: closed, reasons: first.reasons };
    // Same principal, resource and context types as the gate, which validated them: skip the schema (~half the cost).
    const second = this.evaluate(q, raw, false);
    if (second.outcome === 'error') return { action: closed, reasons: second.reasons };
    if (second.outcome === 'allow') return { action: whole, reasons: [...new Set([...first.reasons, ...second.reasons])] };
    return { action: reduced, reasons: [...first.reasons, ...second.reasons] };
  }

  private raw(q: CedarQuery): ExportDecision {
    const verdict = this.evaluate(q, 'shareRaw');
    if (verdict.outcome === 'error') return { action: 'withhold', reasons: verdict.reasons };
    return { action: verdict.outcome === 'allow' ? 'share' : 'share-stripped', reasons: verdict.reasons };
  }

  private lookup(q: CedarQuery): LookupDecision {
    const verdict = this.evaluate(q, 'lookup');
    return { action: verdict.outcome === 'allow' ? 'allow' : 'refuse', reasons: verdict.reasons };
  }

  // A policy that errors is skipped by Cedar, forbids included: any error fails closed. `validated`:
  // check the request against the schema (entities, context, action applicability) before evaluating.
  private evaluate(q: CedarQuery, action: Cedar, validated = true): Verdict {
    this.counters.evaluations += 1;
    const schema = validated ? { preparsedSchemaName: preparedSchemaName(), validateRequest: true } : {};
    try {
      const answer = statefulIsAuthorized({
        principal: q.principal,
        action: { type: 'Palermo::Action', id: action },
        resource: q.resource,
        context: q.context,
        entities: q.entities,
        preparsedPolicySetId: this.policySetId,
        ...schema,
      });
      if (answer.type === 'failure') return { outcome: 'error', reasons: [EVALUATION_ERROR_REASON] };
      const { decision, diagnostics } = answer.response;
      if (diagnostics.errors.length > 0) return { outcome: 'error', reasons: [EVALUATION_ERROR_REASON, ...this.sorted(diagnostics.errors.map((e) => e.policyId))] };
      if (decision === 'allow') return { outcome: 'allow', reasons: this.sorted(diagnostics.reason) };
      return { outcome: 'deny', reasons: diagnostics.reason.length > 0 ? this.sorted(diagnostics.reason) : [DEFAULT_DENY_REASON] };
    } catch {
      this.threw = true;
      return { outcome: 'error', reasons: [EVALUATION_ERROR_REASON] };
    }
  }

  // Baseline first, then the jurisdiction policy, each in the order written.
  private sorted(ids: string[]): string[] {
    return [...new Set(ids)].sort((a, b) => (this.order.get(a) ?? Infinity) - (this.order.get(b) ?? Infinity));
  }
}

const EXPORT_ACTIONS = ['share', 'share-stripped', 'withhold'] as const;
const IMPORT_ACTIONS = ['accept', 'accept-pseudonymized', 'reject'] as const;

// The baseline, split once at load; its ids must be exactly BASELINE_RULE_IDS (documented, tested).
function baselineParts(): PolicyPart[] {
  const split = policyTextParts(BASELINE_POLICY_TEXT);
  if (!split.ok || JSON.stringify(split.parts.map((p) => p.id)) !== JSON.stringify(BASELINE_RULE_IDS)) {
    throw new Error('baseline policy text does not match BASELINE_RULE_IDS');
  }
  return split.parts;
}
const BASELINE_PARTS = baselineParts();
