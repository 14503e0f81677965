import { Migration } from '@mikro-orm/migrations';

/**
 * Indicator lifecycle across hops (issue 5 item 1):
 * - agreement.onward: the agreement allows onward sharing (relayed indicators, either direction).
 * - indicator.relayed_by: for an imported indicator whose stored version came from a node that is not
 *   its origin, that node (null when the origin sent it).
 * - indicator.relay_version / relay_revoked: how far the exporter has considered an imported indicator
 *   for onward sharing (the version it decided, and whether it passed on the origin's revocation).
 *   What was imported before this migration counts as considered: nothing old is relayed.
 * - indicator_revocation.relayed_by: a revocation that reached this node through a relay.
 * - revocation_refusal: revocations this node refused (a partner that never sent it the indicator
 *   revoking another origin's), with the reason code: recorded, never applied.
 * Same rules as the other migrations: one statement per addSql, the same DDL on PostgreSQL and PGlite.
 */
export class Migration20261206000700Lifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table agreement add column onward boolean not null default false`);
    this.addSql(`alter table indicator add column relayed_by text`);
    this.addSql(`alter table indicator add column relay_version integer not null default 0`);
    this.addSql(`alter table indicator add column relay_revoked boolean not null default false`);
    this.addSql(`update indicator set relay_version = version, relay_revoked = revoked_at is not null where not own`);
    this.addSql(
      `create index indicator_pending_relay on indicator (pk)
       where not own and (relay_version < version or (revoked_at is not null and not relay_revoked))`,
    );
    this.addSql(`alter table indicator_revocation add column relayed_by text`);
    this.addSql(
      `create table revocation_refusal (
        id bigserial primary key,
        bundle_hash text not null,
        publisher text not null,
        origin_node text not null,
        origin_id text not null,
        code text not null,
        refused_at timestamptz not null default now(),
        constraint revocation_refusal_unique unique (bundle_hash, origin_node, origin_id)
      )`,
    );
    this.addSql(`create index revocation_refusal_indicator on revocation_refusal (origin_id, origin_node)`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists revocation_refusal`);
    this.addSql(`alter table indicator_revocation drop column if exists relayed_by`);
    this.addSql(`drop index if exists indicator_pending_relay`);
    this.addSql(`alter table indicator drop column if exists relay_revoked`);
    this.addSql(`alter table indicator drop column if exists relay_version`);
    this.addSql(`alter table indicator drop column if exists relayed_by`);
    this.addSql(`alter table agreement drop column if exists onward`);
  }
}
