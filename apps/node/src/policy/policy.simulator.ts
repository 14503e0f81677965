import { Injectable } from '@nestjs/common';
import { canonicalBytes, parseBundleBytes, type Bundle } from '@palermo/bundles';
import { COMMUNITY_AUDIENCE, DomainError } from '@palermo/indicators';
import { CedarPolicyEngine, type ImportDecision, type IndicatorFacts } from '@palermo/policy';
import { Store } from '@palermo/store';
import { ImportDecider } from '../import/import.decider';
import { PolicyHolder } from './policy.holder';
import type { SimulateBody } from './policy.query';

/** One upsert as the simulator saw it: what was recorded (if received), what the live and candidate policies say. */
export interface SimulatedEntry {
  entryIndex: number;
  originNode: string;
  originId: string;
  type: string;
  tlp: string;
  confidence: number;
  recorded: (ImportDecision & { policyVersion: number | null }) | null;
  live: ImportDecision;
  candidate: ImportDecision | null;
  /** Candidate ≠ live when a candidate was given; else live ≠ recorded. */
  changed: boolean;
}

interface SimulatedBundle {
  hash: string | null;
  publisher: string;
  audience: string;
  seq: number;
  entries: SimulatedEntry[];
}

interface Subject {
  hash: string | null;
  publisher: string;
  audience: string;
  seq: number;
  /** The bundle came (or would come) encrypted to this node. */
  encrypted: boolean;
  items: { entryIndex: number; originId: string; facts: IndicatorFacts; recorded: SimulatedEntry['recorded'] }[];
}

/**
 * Runs the live policy (and optionally a candidate) over a given bundle or the last N received
 * ones, through the importer's own decision path, and reports what would change. Writes nothing.
 */
@Injectable()
export class PolicySimulator {
  constructor(
    private readonly store: Store,
    private readonly policy: PolicyHolder,
    private readonly decider: ImportDecider,
  ) {}

  async simulate(body: SimulateBody) {
    const live = this.policy.current();
    const candidate = body.policy !== undefined ? CedarPolicyEngine.compile(body.policy) : null;
    const subjects = body.bundle ? [subjectOfBundle(body.bundle)] : await this.received(body.last ?? 20);
    const now = new Date();
    const bundles: SimulatedBundle[] = [];
    for (const subject of subjects) bundles.push(await this.run(subject, live.engine, candidate, now));
    const entries = bundles.flatMap((b) => b.entries);
    return {
      live: { version: live.version, sha256: live.engine.sha256 },
      candidate: candidate ? { sha256: candidate.sha256 } : null,
      bundles,
      summary: { bundles: bundles.length, entries: entries.length, changed: entries.filter((e) => e.changed).length, live: countActions(entries.map((e) => e.live)), candidate: candidate ? countActions(entries.map((e) => e.candidate!)) : null },
    };
  }

  private async run(subject: Subject, liveEngine: CedarPolicyEngine, candidate: CedarPolicyEngine | null, now: Date): Promise<SimulatedBundle> {
    const partner = await this.store.partners.get(subject.publisher);
    if (!partner) throw new DomainError('SIMULATE_PUBLISHER_UNKNOWN', `publisher ${subject.publisher} is not a pinned partner`);
    const source = { publisher: subject.publisher, jurisdiction: partner.jurisdiction, audience: subject.audience, agreement: await this.store.agreements.activeFor(subject.publisher), encrypted: subject.encrypted };
    const facts = subject.items.map((i) => i.facts);
    const liveVerdicts = this.decider.judge(liveEngine, facts, source, now);
    const candidateVerdicts = candidate ? this.decider.judge(candidate, facts, source, now) : null;
    const entries = subject.items.map((item, i): SimulatedEntry => {
      const liveVerdict = liveVerdicts[i];
      const candidateVerdict = candidateVerdicts?.[i] ?? null;
      const changed = candidateVerdict ? differs(candidateVerdict, liveVerdict) : item.recorded ? differs(liveVerdict, item.recorded) : false;
      return { entryIndex: item.entryIndex, originNode: item.facts.origin, originId: item.originId, type: item.facts.type, tlp: item.facts.tlp, confidence: item.facts.confidence, recorded: item.recorded, live: liveVerdict, candidate: candidateVerdict, changed };
    });
    return { hash: subject.hash, publisher: subject.publisher, audience: subject.audience, seq: subject.seq, entries };
  }

  private async received(last: number): Promise<Subject[]> {
    return (await this.store.decisions.recentInbound(last)).map(({ bundle, decisions }) => ({
      hash: bundle.hash,
      publisher: bundle.publisher,
      audience: bundle.audience,
      seq: bundle.seq,
      encrypted: bundle.encryptedTo !== null,
      // Decisions recorded before policy versions existed carry no facts: nothing to re-decide.
      items: decisions.flatMap((d) =>
        d.facts ? [{ entryIndex: d.entryIndex, originId: d.originId, facts: d.facts, recorded: { action: d.action, reasons: d.reasons, policyVersion: d.policyVersion } }] : [],
      ),
    }));
  }
}

/** A bundle given by the officer: checked against the wire schema (its signature is not needed to simulate). */
function subjectOfBundle(raw: Record<string, unknown>): Subject {
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(raw as unknown as Bundle);
  } catch (err) {
    throw new DomainError('SIMULATE_BUNDLE_INVALID', `the bundle cannot be canonicalized: ${(err as Error).message}`);
  }
  const parsed = parseBundleBytes(bytes, { maxBytes: 16 * 1024 * 1024 });
  if (!parsed.ok) throw new DomainError('SIMULATE_BUNDLE_INVALID', `${parsed.code}: ${parsed.message}`);
  const { bundle } = parsed;
  const items = bundle.entries.flatMap((entry, entryIndex) => (entry.op === 'upsert' ? [{ entryIndex, originId: entry.indicator.id, facts: entry.indicator, recorded: null }] : []));
  // As a Palermo publisher would send it: encrypted on this node's own chain, in clear on `all`.
  return { hash: null, publisher: bundle.publisher, audience: bundle.audience, seq: bundle.seq, encrypted: bundle.audience !== COMMUNITY_AUDIENCE, items };
}

function differs(a: ImportDecision, b: ImportDecision): boolean {
  return a.action !== b.action || a.reasons.join('\n') !== b.reasons.join('\n');
}

function countActions(decisions: ImportDecision[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of decisions) counts[d.action] = (counts[d.action] ?? 0) + 1;
  return counts;
}
