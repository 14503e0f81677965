import type { Bundle } from './bundle.types';

/** The last bundle imported from a (publisher, audience) chain. */
export interface ChainHead {
  /** Its seq. */
  seq: number;
  /** Its hash (lower hex SHA-256 of its canonical bytes). */
  hash: string;
}

/** Whether a bundle continues a chain; never a throw. */
export type ChainCheck =
  | { ok: true }
  | { ok: false; code: 'CHAIN_SEQ_GAP' | 'CHAIN_PREV_MISMATCH' | 'CHAIN_SEQ_REPLAY'; message: string };

/**
 * Checks that a bundle is the direct successor of the chain head (null: nothing imported yet, so
 * the bundle must be seq 1 with prev null). The caller first checks "already imported by hash",
 * so a replay here is an older or competing bundle with a seq already used.
 */
export function checkChain(head: ChainHead | null, bundle: Pick<Bundle, 'seq' | 'prev'>): ChainCheck {
  const expectedSeq = head === null ? 1 : head.seq + 1;
  const expectedPrev = head === null ? null : head.hash;
  if (bundle.seq < expectedSeq) {
    return { ok: false, code: 'CHAIN_SEQ_REPLAY', message: `seq ${bundle.seq} was already used; the chain is at seq ${expectedSeq - 1}` };
  }
  if (bundle.seq > expectedSeq) {
    const missing = expectedSeq === bundle.seq - 1 ? `${expectedSeq}` : `${expectedSeq}–${bundle.seq - 1}`;
    return { ok: false, code: 'CHAIN_SEQ_GAP', message: `expected seq ${expectedSeq}, got ${bundle.seq} (missing ${missing})` };
  }
  if (bundle.prev !== expectedPrev) {
    return {
      ok: false,
      code: 'CHAIN_PREV_MISMATCH',
      message: `seq ${bundle.seq} names prev ${bundle.prev ?? 'null'}, but the chain head is ${expectedPrev ?? 'empty (prev must be null)'}`,
    };
  }
  return { ok: true };
}
