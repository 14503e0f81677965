// SQL of the alert repository (see Migration20261206000800Alerts). Sources are read from the
// indicator table; the node that sent an imported indicator is its bundle's publisher.

const SOURCE_COLUMNS = `i.pk::text as pk, i.origin_node, i.origin_id, i.own, i.version, i.tlp, i.value is null as pseudonym_only,
  coalesce(b.publisher, i.origin_node) as via_node, i.value, i.first_seen, i.last_seen,
  (i.revoked_at is null and (i.valid_until is null or i.valid_until > now())) as active`;

const FROM_INDICATOR = `from indicator i left join bundle b on b.hash = i.source_bundle_hash`;

/** Indicators with one natural key (type, normalized value, the type's qualifier). */
export const EXACT_SOURCES_SQL = `select ${SOURCE_COLUMNS} ${FROM_INDICATOR}
  where i.type = ? and i.value = ?
    and (case i.type when 'username' then coalesce(i.platform, '') when 'crypto-wallet' then coalesce(i.chain, '') else '' end) = ?
  order by i.pk`;

/** Indicators whose pseudonym on this node (imported, or the HMAC of the value it holds) is one pseudonym. */
export const PSEUDONYM_SOURCES_SQL = `select ${SOURCE_COLUMNS} from alert_key k join indicator i on i.pk = k.indicator_pk
  left join bundle b on b.hash = i.source_bundle_hash
  where k.type = ? and k.pseudonym = ?
  order by i.pk`;

/** Image-hash indicators holding either hash of a near pair. */
export const NEAR_SOURCES_SQL = `select ${SOURCE_COLUMNS} ${FROM_INDICATOR}
  where i.type = 'image-hash' and i.value in (?, ?)
  order by i.pk`;

/** Indicators changed after the cursor, in commit order. */
export const CHANGES_SQL = `select i.pk::text as pk, i.change_seq::text as change_seq, i.origin_node, i.own, i.type, i.value, i.pseudonym,
  i.platform, i.chain, (i.revoked_at is null and (i.valid_until is null or i.valid_until > now())) as active
  from indicator i where i.change_seq > ?::bigint order by i.change_seq asc limit ?`;

export const CURSOR_SQL = `select change_seq::text as change_seq from alert_cursor where id = 1`;
// Serializes correlators (a second process, the sweep) on one node; released at commit.
export const LOCK_SQL = `select pg_advisory_xact_lock(7362201)`;
export const MOVE_CURSOR_SQL = `update alert_cursor set change_seq = greatest(change_seq, ?::bigint) where id = 1`;

export const UPSERT_KEYS_SQL = `insert into alert_key (indicator_pk, type, pseudonym)
  select x.indicator_pk, x.type, x.pseudonym from json_to_recordset(?::text::json) as x(indicator_pk bigint, type text, pseudonym text)
  where exists (select 1 from indicator i where i.pk = x.indicator_pk)
  on conflict (indicator_pk) do update set type = excluded.type, pseudonym = excluded.pseudonym`;

/** Alerts in which one of these indicators is a source (a change may take it out of them). */
export const ALERTS_OF_INDICATORS_SQL = `select distinct a.kind, a.type, a.qualifier, a.value, a.near_value, a.pseudonym, a.distance
  from alert_source s join alert a on a.pk = s.alert_pk where s.indicator_pk = any(?::text::bigint[])`;

/** Alerts counting a source that is no longer active: expired, revoked, or purged. */
export const STALE_ALERTS_SQL = `select distinct a.kind, a.type, a.qualifier, a.value, a.near_value, a.pseudonym, a.distance, a.pk
  from alert_source s join alert a on a.pk = s.alert_pk left join indicator i on i.pk = s.indicator_pk
  where s.active and (i.pk is null or i.revoked_at is not null or (i.valid_until is not null and i.valid_until <= now()))
  order by a.pk limit ?`;

export const FIND_ALERT_SQL = `select pk::text as pk from alert where kind = ? and match_key = ?`;

export const INSERT_ALERT_SQL = `insert into alert (id, kind, match_key, type, qualifier, value, near_value, pseudonym, distance, source_count, node_count)
  values (?::uuid, ?, ?, ?, ?, ?, ?, ?, ?::integer, ?::integer, ?::integer) returning pk::text as pk`;

// updated_at moves when the counts or a source changed (`since` finds alerts that grew, shrank or saw a new version).
export const UPDATE_ALERT_SQL = `update alert set source_count = ?::integer, node_count = ?::integer, updated_at = now()
  where pk = ?::bigint and (?::boolean or (source_count, node_count) is distinct from (?::integer, ?::integer))`;

export const UPSERT_SOURCES_SQL = `insert into alert_source (alert_pk, indicator_pk, origin_node, origin_id, via_node, version, tlp, pseudonym_only,
    first_seen, last_seen, active)
  select ?::bigint, x.pk, x.origin_node, x.origin_id, x.via_node, x.version, x.tlp, x.pseudonym_only, x.first_seen, x.last_seen, x.active
  from json_to_recordset(?::text::json) as x(pk bigint, origin_node text, origin_id text, via_node text, version integer, tlp text,
    pseudonym_only boolean, first_seen timestamptz, last_seen timestamptz, active boolean)
  on conflict (alert_pk, indicator_pk) do update set origin_node = excluded.origin_node, origin_id = excluded.origin_id,
    via_node = excluded.via_node, version = excluded.version, tlp = excluded.tlp, pseudonym_only = excluded.pseudonym_only,
    first_seen = excluded.first_seen, last_seen = excluded.last_seen, active = excluded.active
  where (alert_source.origin_node, alert_source.origin_id, alert_source.via_node, alert_source.version, alert_source.tlp,
      alert_source.pseudonym_only, alert_source.first_seen, alert_source.last_seen, alert_source.active)
    is distinct from (excluded.origin_node, excluded.origin_id, excluded.via_node, excluded.version, excluded.tlp,
      excluded.pseudonym_only, excluded.first_seen, excluded.last_seen, excluded.active)
  returning 1 as changed`;

/** Sources that are gone from the indicator table (purged): kept, inactive. */
export const RETIRE_SOURCES_SQL = `update alert_source set active = false
  where alert_pk = ?::bigint and active and not (indicator_pk = any(?::text::bigint[]))
  returning 1 as changed`;

export const ALERT_COLUMNS = `a.pk::text as pk, a.id, a.kind, a.type, a.value, a.near_value, a.pseudonym, a.distance, a.state,
  a.source_count, a.node_count, a.created_at, a.updated_at`;

export const SOURCES_OF_SQL = `select s.alert_pk::text as alert_pk, s.origin_node, s.origin_id, s.via_node, s.version, s.tlp, s.pseudonym_only,
  s.first_seen, s.last_seen, s.active, s.added_at
  from alert_source s where s.alert_pk = any(?::text::bigint[]) order by s.alert_pk, s.added_at, s.indicator_pk`;
