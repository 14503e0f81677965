import { performance } from 'node:perf_hooks';
import { parseBundleBytes } from '@palermo/bundles';
import { INDICATOR_TYPES, type WireIndicator } from '@palermo/indicators';
import { CedarPolicyEngine, DEFAULT_POLICY_TEXT, type AgreementTerms } from '@palermo/policy';
import type { PublishedBundle } from './bundle-check.bench';

/** The import policy's cost on the bundles B received: a fresh engine (its class cache filling as it goes), then warm. */
export interface PolicyResult {
  /** First pass with a freshly compiled engine, as a node after a restart or a policy change. */
  coldMs: number;
  /** The same bundles again on the same engine: every class cached. */
  warmMs: number;
  indicators: number;
  /** Cedar evaluations the first pass needed (the rest were answered from the class cache). */
  evaluations: number;
  requests: number;
}

const AGREEMENT: AgreementTerms = {
  id: '01890000-0000-7000-8000-00000000beef',
  partner: 'bench-a',
  directions: ['export', 'import'],
  types: [...INDICATOR_TYPES],
  maxTlp: 'amber',
  purposes: ['investigation', 'intelligence'],
  retentionDays: null,
  pseudonymize: [],
  lookups: false,
  validFrom: '2025-01-01T00:00:00.000Z',
  validUntil: null,
  state: 'active',
};

/**
 * decideImport over the upserts of every bundle, exactly as the importer calls it (one batch per
 * bundle), with the policy the bench nodes run. Parsing happens before the clock starts.
 */
export function benchPolicy(bundles: PublishedBundle[], maxBytes: number): PolicyResult {
  const batches = bundles.map((b) => {
    const parsed = parseBundleBytes(b.bytes, { maxBytes });
    if (!parsed.ok) throw new Error(`bundle ${b.hash} does not parse: ${parsed.code}`);
    return parsed.bundle.entries.flatMap((e) => (e.op === 'upsert' ? [e.indicator] : []));
  });
  const engine = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
  const now = new Date();
  const run = (): number => {
    const t0 = performance.now();
    for (const batch of batches) decide(engine, batch, now);
    return performance.now() - t0;
  };
  const coldMs = run();
  const { evaluations, requests } = engine.stats;
  const warmMs = run();
  return { coldMs, warmMs, indicators: batches.reduce((n, b) => n + b.length, 0), evaluations, requests };
}

function decide(engine: CedarPolicyEngine, batch: WireIndicator[], now: Date): void {
  const publisher = { nodeId: 'bench-a', jurisdiction: 'NL', adequacy: true };
  const decisions = engine.decideImport(batch.map((indicator) => ({ indicator, publisher, audience: 'bench-b', agreement: AGREEMENT })), now);
  if (decisions.some((d) => d.action !== 'accept')) throw new Error(`the bench policy rejected something: ${JSON.stringify(decisions.find((d) => d.action !== 'accept'))}`);
}
