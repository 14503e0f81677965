import { Migration } from '@mikro-orm/migrations';

/**
 * Feedback outbox (issue 5 items 3 and 5): signed sightings, disputes, dispute resolutions and
 * disclosure requests/decisions to partners, written in the same transaction as the record they
 * report and published after commit; published_at stays null until the recipient's feedback stream
 * acknowledged the message, so a crash or a NATS outage loses nothing and a retry duplicates nothing
 * (the message hash is the Nats-Msg-Id). Same rules as the other migrations: one statement per
 * addSql, no question-mark characters, the same DDL on PostgreSQL 15+ and PGlite.
 */
export class Migration20261206000900FeedbackOutbox extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists feedback_outbox`);
  }
}

const STATEMENTS = [
  `create table feedback_outbox (
    id bigint generated always as identity primary key,
    recipient text not null check (recipient ~ '^[a-z][a-z0-9-]{1,31}$'),
    spec text not null check (char_length(spec) <= 64),
    message_id uuid not null,
    message_hash text not null unique check (message_hash ~ '^[0-9a-f]{64}$'),
    bytes bytea not null,
    signature bytea not null,
    created_at timestamptz not null default now(),
    published_at timestamptz,
    attempts integer not null default 0,
    last_error text
  )`,
  `create index feedback_outbox_pending on feedback_outbox (id) where published_at is null`,
];
