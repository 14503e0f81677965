import { Injectable } from '@nestjs/common';

/** Where a partner's chain addressed to this node stands. */
export type ChainState = 'ok' | 'gap' | 'resyncing' | 'broken';

/** The live resync state of one inbound chain (kept in memory: a restart re-detects any gap on redelivery). */
export interface ChainStateRecord {
  state: ChainState;
  /** The seqs this node is missing (gap) or asked the publisher for (resyncing). */
  missing?: { fromSeq: number; toSeq: number };
  /** When the last resync of this chain ended, healed or not (ISO 8601). */
  lastResyncAt?: string;
  /** Why the last resync did not heal the chain. */
  lastError?: string;
  /** Hash of the bundle that revealed the current gap, and when it was first seen (bounds the wait). */
  revealedBy?: { hash: string; since: number };
}

/** Resync states of inbound chains, by (publisher, audience). */
@Injectable()
export class ChainStates {
  private readonly states = new Map<string, ChainStateRecord>();

  /** The state of one chain; `ok` when nothing ever went wrong on it. */
  get(publisher: string, audience: string): ChainStateRecord {
    return this.states.get(key(publisher, audience)) ?? { state: 'ok' };
  }

  /** Records a resync starting to fill `missing`. */
  resyncing(publisher: string, audience: string, missing: { fromSeq: number; toSeq: number }, revealing: string): void {
    const current = this.get(publisher, audience);
    const revealedBy = current.revealedBy?.hash === revealing ? current.revealedBy : { hash: revealing, since: Date.now() };
    this.states.set(key(publisher, audience), { ...current, state: 'resyncing', missing, revealedBy });
  }

  /** Records that the publisher could not be asked now: the chain waits (state gap). */
  waiting(publisher: string, audience: string, error: string): void {
    const current = this.get(publisher, audience);
    this.states.set(key(publisher, audience), { ...current, state: 'gap', lastError: error, lastResyncAt: new Date().toISOString() });
  }

  /** Records a healed chain. */
  healed(publisher: string, audience: string): void {
    this.states.set(key(publisher, audience), { state: 'ok', lastResyncAt: new Date().toISOString() });
  }

  /** Records a chain given up on: the revealing bundle was quarantined with its chain code. */
  broken(publisher: string, audience: string, error: string): void {
    const { missing } = this.get(publisher, audience);
    this.states.set(key(publisher, audience), { state: 'broken', missing, lastError: error, lastResyncAt: new Date().toISOString() });
  }

  /** A bundle continued the chain: whatever was wrong is over (the last resync time stays). */
  continued(publisher: string, audience: string): void {
    const current = this.states.get(key(publisher, audience));
    if (current && current.state !== 'ok') this.states.set(key(publisher, audience), { state: 'ok', lastResyncAt: current.lastResyncAt });
  }

  /** Since when the chain has been waiting for the bundles before `hash` (ms epoch), if it is. */
  waitingSince(publisher: string, audience: string, hash: string): number | undefined {
    const { revealedBy } = this.get(publisher, audience);
    return revealedBy?.hash === hash ? revealedBy.since : undefined;
  }

  /** How many chains are not ok, by state (for health). */
  summary(): Record<Exclude<ChainState, 'ok'>, number> {
    const counts = { gap: 0, resyncing: 0, broken: 0 };
    for (const { state } of this.states.values()) if (state !== 'ok') counts[state] += 1;
    return counts;
  }
}

function key(publisher: string, audience: string): string {
  return `${publisher}/${audience}`;
}
