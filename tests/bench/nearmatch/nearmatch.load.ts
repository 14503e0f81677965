import { randomBytes, randomInt } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { copyIn, type Db } from '../import/bench.db';

/** The hashes a run stores and queries: random PDQ hashes, and per query hash neighbours planted at known distances. */
export interface HashSet {
  /** Every stored hash as 8 big-endian 32-bit words, for the in-memory scan. */
  words: Uint32Array;
  /** How many hashes are stored. */
  count: number;
  /** The query hashes (`pdq:<64 hex>`), each with the distances of its planted neighbours. */
  queries: { value: string; planted: number[] }[];
}

/** Distances of the neighbours planted around each query hash: both sides of PDQ's threshold of 31. */
export const PLANTED_DISTANCES = [0, 1, 4, 8, 16, 24, 30, 31, 32, 33, 40, 48];

const COPY_BATCH = 50_000;
const COPY_SQL = `copy indicator (origin_node, origin_id, own, type, value, tlp, confidence, first_seen, last_seen, version, modified_at)
  from stdin`;
const AT = '2026-01-01 00:00:00+00';

function flip(bytes: Buffer, distance: number): Buffer {
  const out = Buffer.from(bytes);
  const bits = new Set<number>();
  while (bits.size < distance) bits.add(randomInt(256));
  for (const bit of bits) out[bit >> 3] ^= 0x80 >> (bit & 7);
  return out;
}

/**
 * Stores `random` random PDQ hashes plus, around each of `queries` random query hashes, one neighbour
 * per PLANTED_DISTANCES, as imported image-hash indicators of a node `bench-src`, through COPY
 * (so the indicator triggers, the near-match index's included, run as they do for any write).
 * The planted rows are spread through the random ones. Calls `progress` after every batch.
 */
export async function loadHashes(db: Db, random: number, queries: number, progress: (stored: number) => void): Promise<HashSet> {
  const planted: Buffer[] = [];
  const querySet: HashSet['queries'] = [];
  for (let q = 0; q < queries; q++) {
    const center = randomBytes(32);
    querySet.push({ value: `pdq:${center.toString('hex')}`, planted: PLANTED_DISTANCES });
    for (const d of PLANTED_DISTANCES) planted.push(flip(center, d));
  }
  const count = random + planted.length;
  const every = Math.max(1, Math.floor(count / Math.max(planted.length, 1)));
  const words = new Uint32Array(count * 8);
  let next = 0;
  while (next < count) {
    const size = Math.min(COPY_BATCH, count - next);
    const lines: string[] = [];
    for (let i = next; i < next + size; i++) {
      const usePlanted = i % every === 0 && planted.length > 0;
      const hash = usePlanted || count - i <= planted.length ? planted.pop()! : randomBytes(32);
      for (let w = 0; w < 8; w++) words[i * 8 + w] = hash.readUInt32BE(w * 4);
      lines.push(`bench-src\tbench-${i}\tf\timage-hash\tpdq:${hash.toString('hex')}\tgreen\t50\t${AT}\t${AT}\t1\t${AT}\n`);
    }
    const stream = copyIn(db, COPY_SQL);
    stream.end(lines.join(''));
    await finished(stream);
    next += size;
    progress(next);
  }
  return { words, count, queries: querySet };
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The in-memory brute force: indexes (load order) of every stored hash within `threshold` bits of `value`. */
export function scanWords(set: HashSet, value: string, threshold: number): number[] {
  const q = Buffer.from(value.slice(4), 'hex');
  const qw = Array.from({ length: 8 }, (_, w) => q.readUInt32BE(w * 4));
  const found: number[] = [];
  const { words } = set;
  for (let i = 0, o = 0; i < set.count; i++, o += 8) {
    let d = 0;
    for (let w = 0; w < 8 && d <= threshold; w++) d += popcount32(words[o + w] ^ qw[w]);
    if (d <= threshold) found.push(i);
  }
  return found;
}
