import { Migration } from '@mikro-orm/migrations';

/**
 * The near-match index of image hashes (issue 5 item 2), multi-index hashing as described in
 * libs/indicators image-hash.near-match.ts: every active image-hash indicator with a value (not a pseudonym:
 * a keyed HMAC has no Hamming neighbours) has one row per 16-bit chunk, keyed by
 * (algorithm, chunk position · 65,536 + chunk value). The primary key is the B-tree a query walks
 * with `chunk = any(keys)`; it holds indicator_pk too, so candidates come from the index alone.
 *
 * Kept in sync by row triggers on indicator, so every writer (own upserts, imports, revocations,
 * superseded drops, the retention purge) maintains it without knowing it exists: an insert adds the
 * chunks of an active image hash, an update of type, value or revoked_at removes the old chunks and
 * adds the new ones, a delete removes them. No foreign key: the delete trigger removes exactly the
 * rows a cascade would, without sixteen RI checks per indexed hash. A value that is not a normalized
 * image hash is not indexed (never an error: an import must not fail on it).
 *
 * Same rules as the other migrations: one statement per addSql, no question-mark characters, the same
 * DDL on PostgreSQL 15+ and PGlite (no extension).
 */
export class Migration20261206000500ImageHashIndex extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists image_hash_index_delete on indicator`);
    this.addSql(`drop trigger if exists image_hash_index_update on indicator`);
    this.addSql(`drop trigger if exists image_hash_index_insert on indicator`);
    this.addSql(`drop function if exists image_hash_index_sync()`);
    this.addSql(`drop function if exists image_hash_chunks(text)`);
    this.addSql(`drop table if exists image_hash_chunk`);
  }
}

const STATEMENTS = [
  `create table image_hash_chunk (
    algorithm text not null check (algorithm in ('pdq', 'phash')),
    chunk integer not null check (chunk >= 0),
    indicator_pk bigint not null,
    primary key (algorithm, chunk, indicator_pk)
  )`,

  // The chunk keys of a normalized image hash, as chunkKey() computes them; none for anything else.
  `create function image_hash_chunks(hash text) returns table (algorithm text, chunk integer)
    language sql immutable strict as $$
      select split_part(hash, ':', 1), n * 65536 + ('x' || substr(hash, strpos(hash, ':') + 1 + 4 * n, 4))::bit(16)::integer
      from generate_series(0, (length(hash) - strpos(hash, ':')) / 4 - 1) as n
      where hash ~ '^(pdq:[0-9a-f]{64}|phash:[0-9a-f]{16})$'
    $$`,

  `create function image_hash_index_sync() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' and old.type = 'image-hash' and old.value is not null then
        delete from image_hash_chunk c using image_hash_chunks(old.value) k
          where c.algorithm = k.algorithm and c.chunk = k.chunk and c.indicator_pk = old.pk;
      end if;
      if tg_op <> 'DELETE' and new.type = 'image-hash' and new.value is not null and new.revoked_at is null then
        insert into image_hash_chunk (algorithm, chunk, indicator_pk)
          select k.algorithm, k.chunk, new.pk from image_hash_chunks(new.value) k
          on conflict do nothing;
      end if;
      return null;
    end
  $$`,
  `create trigger image_hash_index_insert after insert on indicator
    for each row when (new.type = 'image-hash') execute function image_hash_index_sync()`,
  // Only writes that change what is indexed: the exporter's bookkeeping and metadata updates pass by.
  `create trigger image_hash_index_update after update of type, value, revoked_at on indicator
    for each row when ((old.type = 'image-hash' or new.type = 'image-hash')
      and (old.type, old.value, old.revoked_at is null) is distinct from (new.type, new.value, new.revoked_at is null))
    execute function image_hash_index_sync()`,
  `create trigger image_hash_index_delete after delete on indicator
    for each row when (old.type = 'image-hash') execute function image_hash_index_sync()`,

  // Image hashes stored before this migration.
  `insert into image_hash_chunk (algorithm, chunk, indicator_pk)
    select k.algorithm, k.chunk, i.pk from indicator i cross join lateral image_hash_chunks(i.value) k
    where i.type = 'image-hash' and i.value is not null and i.revoked_at is null`,
];
