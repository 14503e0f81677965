import { IMAGE_HASH_BITS, nearMatchQuery, type ImageHashAlgorithm, type Tlp } from '@palermo/indicators';
import { checkLimit, query } from '../sql.helper';
import { Repository } from './repository.base';

/** One stored image-hash indicator within the threshold of the queried hash. */
export interface NearMatch {
  /** The indicator's id (the uuid its origin minted). */
  id: string;
  /** Node id of its origin. */
  origin: string;
  /** True when this node is the origin. */
  own: boolean;
  /** Its normalized value (`pdq:…`, `phash:…`). */
  value: string;
  /** Its TLP, so a caller can tell what it may show. */
  tlp: Tlp;
  /** Bits in which it differs from the queried hash. */
  distance: number;
}

/** The answer to one near-match query. */
export interface NearMatchResult {
  /** Algorithm of the queried hash; only hashes of the same one are compared. */
  algorithm: ImageHashAlgorithm;
  /** The threshold used (the algorithm's default when none was given). */
  threshold: number;
  /** Matches, nearest first (ties in storage order), at most `limit`. */
  matches: NearMatch[];
}

/** Default and highest number of matches one query returns. */
export const NEAR_MATCH_LIMIT = { default: 100, max: 1000 } as const;

// Candidates come from the primary-key B-tree alone (one index scan over the sorted keys); only they
// are read from indicator and verified by their full distance. The algorithm and cast length are
// constants, never input. The CASE guards the cast: the planner may compute the distance of other
// indicator rows before the join (it does on small tables), and a value that is not a hash of this
// algorithm must give null, not an error (ltrim over the hex digits: half the cost of a regular
// expression per candidate, measured at 300k hashes). Revoked rows are not in the index; rows past their
// validUntil are hidden from active results here.
const nearestSql = (algorithm: ImageHashAlgorithm) => {
  const bits = IMAGE_HASH_BITS[algorithm];
  const prefix = `${algorithm}:`;
  return `
  with candidate as (
    select distinct c.indicator_pk from image_hash_chunk c
    where c.algorithm = ? and c.chunk = any(?::text::integer[])
  )
  select i.origin_id, i.origin_node, i.own, i.value, i.tlp, m.distance
  from candidate c
  join indicator i on i.pk = c.indicator_pk
  cross join lateral (
    select case when length(i.value) = ${prefix.length + bits / 4} and left(i.value, ${prefix.length}) = '${prefix}'
        and ltrim(substr(i.value, ${prefix.length + 1}), '0123456789abcdef') = ''
      then bit_count(('x' || substr(i.value, ${prefix.length + 1}))::bit(${bits}) # ?::text::bit(${bits}))::integer end as distance
  ) m
  where i.type = 'image-hash' and i.revoked_at is null and (i.valid_until is null or i.valid_until > now())
    and m.distance <= ?
  order by m.distance, i.pk
  limit ?`;
};

interface Row {
  origin_id: string;
  origin_node: string;
  own: boolean;
  value: string;
  tlp: Tlp;
  distance: number;
}

/**
 * Near matches of image hashes (PDQ, pHash) among this node's active image-hash indicators, own and
 * imported, through the multi-index-hashing table `image_hash_chunk`. Triggers on `indicator` keep
 * that table in sync (Migration20261206000500ImageHashIndex), so nothing has to call this repository
 * to index or remove a hash: inserting, revoking, superseding or purging an indicator does it.
 */
export class NearMatchRepository extends Repository {
  /**
   * Every active image-hash indicator within `threshold` bits of `value` (a normalized `pdq:<64 hex>`
   * or `phash:<16 hex>`), nearest first. The result is exactly what a scan of all of them would return.
   * Throws DomainError IMAGE_HASH_INVALID, NEAR_MATCH_THRESHOLD_INVALID (see NEAR_MATCH_THRESHOLDS)
   * or INVALID_LIMIT (1–1000).
   */
  async nearest(value: string, threshold?: number, limit: number = NEAR_MATCH_LIMIT.default): Promise<NearMatchResult> {
    const q = nearMatchQuery(value, threshold);
    checkLimit(limit, NEAR_MATCH_LIMIT.max);
    const rows = await query<Row>(this.fork(), nearestSql(q.algorithm), [
      q.algorithm,
      `{${q.keys.join(',')}}`,
      `x${q.hex}`,
      q.threshold,
      limit,
    ]);
    return { algorithm: q.algorithm, threshold: q.threshold, matches: rows.map(toMatch) };
  }

  /** How many hashes of each algorithm the index holds (for health and the bench). */
  async indexedCounts(): Promise<Record<ImageHashAlgorithm, number>> {
    const rows = await query<{ algorithm: ImageHashAlgorithm; n: number }>(
      this.fork(),
      // Chunk 0 of every hash has keys 0..65535: one row per indexed hash.
      `select algorithm, count(*)::integer as n from image_hash_chunk where chunk < 65536 group by algorithm`,
    );
    const counts: Record<ImageHashAlgorithm, number> = { pdq: 0, phash: 0 };
    for (const row of rows) counts[row.algorithm] = Number(row.n);
    return counts;
  }
}

function toMatch(row: Row): NearMatch {
  return { id: row.origin_id, origin: row.origin_node, own: row.own, value: row.value, tlp: row.tlp, distance: Number(row.distance) };
}

