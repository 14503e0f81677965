// SQL of the TAXII repository (collections in commit / chain order, the STIX id map).

// Timestamps leave the database as text with microseconds on both drivers (PGlite's Dates keep only
// milliseconds): TAXII's date_added must round-trip through added_after exactly.
const MICRO_ISO = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

// Indicators kept only as a pseudonym have no value to serve: they never enter a collection.
// Served by the unique index indicator_change_seq_unique; change_seq order is commit order (see the Taxii migration).
export const LOCAL_PAGE_SQL = `
  select i.change_seq::text as change_seq, ${MICRO_ISO('i.changed_at')} as changed_at, i.origin_id, i.origin_node, i.version, i.type, i.value,
         i.platform, i.chain, i.tlp, i.confidence, i.tags, i.first_seen, i.last_seen, i.valid_until, i.description,
         i.modified_at, i.revoked_at, i.revoke_reason
  from indicator i
  where i.change_seq > greatest(?::bigint, coalesce(
          (select c.change_seq from indicator c where c.changed_at <= ?::timestamptz order by c.changed_at desc limit 1), 0))
    and i.changed_at > ?::timestamptz and i.value is not null
  order by i.change_seq asc
  limit ?`;

// The same rows as LOCAL_PAGE_SQL, only those of the given indicators (at most 100: match[id]).
export const LOCAL_BY_KEYS_SQL = `
  select i.change_seq::text as change_seq, ${MICRO_ISO('i.changed_at')} as changed_at, i.origin_id, i.origin_node,
         i.version, i.type, i.value, i.platform, i.chain, i.tlp, i.confidence, i.tags, i.first_seen, i.last_seen,
         i.valid_until, i.description, i.modified_at, i.revoked_at, i.revoke_reason
  from indicator i
  join json_to_recordset(?::text::json) as k(origin_node text, origin_id text)
    on i.origin_node = k.origin_node and i.origin_id = k.origin_id
  where i.change_seq > ?::bigint and i.changed_at > ?::timestamptz and i.value is not null
  order by i.change_seq asc
  limit ?`;

// Rows stamped after the watermark are committed in change_seq order (the Taxii migration), so a
// watermark never passes a row that commits later.
export const REF_STATE_SQL = `select mapped_seq::text as mapped_seq from stix_object_ref_state where id = 1 for update`;
export const UNMAPPED_SQL = `select change_seq::text as change_seq, origin_node, origin_id from indicator where change_seq > ?::bigint order by change_seq asc limit ?`;
export const INSERT_REFS_SQL = `
  insert into stix_object_ref (stix_id, origin_node, origin_id)
  select x.stix_id, x.origin_node, x.origin_id from json_to_recordset(?::text::json) as x(stix_id text, origin_node text, origin_id text)
  on conflict (stix_id) do nothing`;
export const ADVANCE_REFS_SQL = `update stix_object_ref_state set mapped_seq = ?::bigint where id = 1`;
export const REFS_SQL = `select origin_node, origin_id from stix_object_ref where stix_id in (select json_array_elements_text(?::text::json))`;
export const REF_BATCH = 5000;

export const LOCAL_WITHHELD_SQL = `select count(*)::int as n from indicator i where i.pseudonym is not null and i.value is null and i.changed_at > ?::timestamptz`;

// Only the prefix of the chain that may have reached the partner: a bundle never handed to NATS can
// still be cancelled (an agreement ended), and one behind it must not be served before it.
// date_added of entry i of a bundle = its stored_at + (entries of earlier bundles of the chain stored in
// the same transaction, which share stored_at) + i microseconds: non-decreasing along the chain. The
// added_after pre-filter allows a second of such offsets (a million entries in one transaction); the
// exact test is made per entry.
export const CHAIN_BUNDLES_SQL = `
  select b.seq, b.hash, ${MICRO_ISO('b.stored_at')} as stored_at, b.bytes,
         (select coalesce(sum(p.entry_count), 0) from bundle p
           where p.direction = 'out' and p.publisher = b.publisher and p.audience = b.audience
             and p.stored_at = b.stored_at and p.seq < b.seq)::int as offset_micros
  from bundle b
  where b.direction = 'out' and b.publisher = ? and b.audience = ? and b.seq >= ?
    and b.stored_at + ((b.entry_count + 1000000) * interval '1 microsecond') > ?::timestamptz
    and b.seq < coalesce((select min(u.seq) from bundle u where u.direction = 'out' and u.publisher = ? and u.audience = ?
                          and u.publish_attempted_at is null), 2147483647)
  order by b.seq asc
  limit ?`;

// Where the given indicators sit on a chain, in chain order after a position (TAXII match[id] on an
// audience), a batch at a time: the caller asks again after the last one until a batch comes back short.
export const AUDIENCE_POSITIONS_SQL = `
  select b.seq, d.entry_index
  from export_decision d join bundle b on b.hash = d.bundle_hash
  where d.audience = ? and b.direction = 'out' and b.publisher = ? and b.audience = ?
    and b.publish_attempted_at is not null
    and b.seq < coalesce((select min(u.seq) from bundle u where u.direction = 'out' and u.publisher = ? and u.audience = ?
                          and u.publish_attempted_at is null), 2147483647)
    and d.origin_id in (select json_array_elements_text(?::text::json))
    and (b.seq > ? or (b.seq = ? and d.entry_index > ?))
  order by b.seq asc, d.entry_index asc
  limit ?`;

// The last version this audience was sent of an indicator it later got a revocation for.
export const LAST_SHARED_SQL = `
  select d.bundle_hash, d.entry_index, b.bytes
  from export_decision d join bundle b on b.hash = d.bundle_hash
  where d.audience = ? and d.origin_id = ? and d.action in ('share', 'share-stripped') and d.bundle_hash is not null
  order by d.id desc
  limit 1`;

// Where each version of the given indicators sits on a chain (first and last entry), among the bundles
// that may have reached the audience: TAXII's match[version]=first|last on an audience collection.
export const VERSION_BOUNDS_SQL = `
  select d.origin_id, b.seq, d.entry_index
  from export_decision d join bundle b on b.hash = d.bundle_hash
  where d.audience = ? and b.direction = 'out' and b.publisher = ? and b.audience = ?
    and b.publish_attempted_at is not null
    and d.origin_id in (select json_array_elements_text(?::text::json))`;
