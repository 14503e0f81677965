import { Migration } from '@mikro-orm/migrations';

/**
 * Sightings and disputes travel to the origin (issue 5 item 3). Same rules as the other migrations:
 * one statement per addSql, no question-mark characters, the same DDL on PostgreSQL 15+ and PGlite.
 *
 * - sighting.feedback_*: per local sighting, the origin it was reported to and whether it was queued
 *   in the feedback outbox (its published_at then says whether it was sent) or not sent, and why.
 * - partner_sighting: what partners saw of this node's own indicators ("seen here too"). The id is the
 *   partner's sighting id, so a redelivered message is stored once.
 * - dispute: both directions; 'out' = this node disputes a partner's indicator, 'in' = a partner
 *   disputes one of ours. The id is minted by the disputer and travels in the messages both ways.
 */
export class Migration20261206001000SightingsDisputes extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists dispute`);
    this.addSql(`drop table if exists partner_sighting`);
    this.addSql(`drop index if exists feedback_outbox_message_id`);
    this.addSql(`alter table sighting drop column if exists feedback_reason`);
    this.addSql(`alter table sighting drop column if exists feedback_state`);
    this.addSql(`alter table sighting drop column if exists feedback_to`);
  }
}

const NODE_ID = `~ '^[a-z][a-z0-9-]{1,31}$'`;
const HEX64 = `~ '^[0-9a-f]{64}$'`;

const STATEMENTS = [
  // Null on own indicators (nothing to send) and on sightings recorded before this migration.
  `alter table sighting add column feedback_to text check (feedback_to ${NODE_ID})`,
  `alter table sighting add column feedback_state text check (feedback_state in ('queued', 'not-sent'))`,
  `alter table sighting add column feedback_reason text check (char_length(feedback_reason) <= 100)`,
  // A record's delivery state is its outbox row's published_at, looked up by message id.
  `create index feedback_outbox_message_id on feedback_outbox (message_id)`,

  // The foreign key cascades like sighting's: an own indicator is never purged, but a test or an
  // operator deleting one must not leave partners' sightings pointing at nothing.
  `create table partner_sighting (
    id uuid primary key,
    indicator_pk bigint not null references indicator (pk) on delete cascade,
    sighted_by text not null check (sighted_by ${NODE_ID}),
    count integer not null check (count between 1 and 1000000),
    first_seen timestamptz not null,
    last_seen timestamptz not null,
    reported_at timestamptz not null,
    received_at timestamptz not null default now(),
    after_revocation boolean not null default false,
    message_hash text not null check (message_hash ${HEX64}),
    constraint partner_sighting_seen_order check (last_seen >= first_seen)
  )`,
  `create index partner_sighting_indicator on partner_sighting (indicator_pk, sighted_by)`,

  // No foreign key to indicator: an 'out' dispute outlives the partner's indicator when retention
  // purges it (it is this node's record of what it said), and an 'in' one names an own indicator.
  `create table dispute (
    pk bigint generated always as identity primary key,
    id uuid not null unique,
    direction text not null check (direction in ('out', 'in')),
    indicator_origin text not null check (indicator_origin ${NODE_ID}),
    indicator_id text not null check (char_length(indicator_id) <= 64),
    disputer text not null check (disputer ${NODE_ID}),
    version integer not null check (version between 1 and 1000000000),
    kind text not null check (kind in ('false-positive', 'wrong-tags', 'other')),
    reason text not null check (char_length(reason) between 1 and 2000),
    suggested_tags text[],
    state text not null default 'open' check (state in ('open', 'accepted', 'rejected')),
    resolution_id uuid,
    resolution_note text check (char_length(resolution_note) <= 2000),
    resolved_at timestamptz,
    resolved_by_token uuid,
    resolved_by_name text,
    disputed_at timestamptz not null,
    message_hash text check (message_hash ${HEX64}),
    delivery_to text check (delivery_to ${NODE_ID}),
    delivery_state text check (delivery_state in ('queued', 'not-sent')),
    delivery_reason text check (char_length(delivery_reason) <= 100),
    created_at timestamptz not null default now(),
    created_by_token uuid,
    created_by_name text,
    constraint dispute_not_own check (disputer <> indicator_origin),
    constraint dispute_resolved check ((state = 'open') = (resolved_at is null))
  )`,
  `create index dispute_indicator on dispute (indicator_origin, indicator_id, pk)`,
  `create index dispute_state on dispute (direction, state, pk)`,
];
