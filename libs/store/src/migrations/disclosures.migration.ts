import { Migration } from '@mikro-orm/migrations';

/**
 * Disclosures after a lookup hit (issue 5 item 5): the hits both sides keep (the querier what it
 * was told, the responder which of its indicators matched — never the value, PRF output or element),
 * and the disclosure requests in both directions ('out': this node asked a partner; 'in': a partner
 * asked this node) with the policy officer's decision, whether it could be sent, and what was
 * released; the requester may withdraw a request that waits. Same rules as the
 * other migrations: one statement per addSql, no question-mark characters, the same DDL on
 * PostgreSQL 15+ and PGlite.
 */
export class Migration20261206001100Disclosures extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists disclosure`);
    this.addSql(`drop table if exists lookup_hit`);
  }
}

const NODE_ID = `~ '^[a-z][a-z0-9-]{1,31}$'`;
// Columns both tables name the same way: the partner, the hit's reference and purpose, the matched indicator.
const PARTNER = `partner text not null check (partner ${NODE_ID})`;
const REFERENCE = `reference text not null check (char_length(reference) between 1 and 128)`;
const PURPOSE = `purpose text not null check (char_length(purpose) between 1 and 32)`;
const INDICATOR_PK = `indicator_pk bigint references indicator (pk) on delete set null`;

const STATEMENTS = [
  // side 'asked': this node asked `partner` and was told hit with `reference`; side 'answered':
  // `partner` asked this node and the indicator at indicator_pk matched. The matched indicator is
  // named by (origin, id) too, so the trail survives a purge of the row (the pk is then null).
  `create table lookup_hit (
    side text not null check (side in ('asked', 'answered')),
    ${PARTNER},
    request_id uuid not null,
    ${REFERENCE},
    type text not null check (char_length(type) between 1 and 32),
    ${PURPOSE},
    ${INDICATOR_PK},
    indicator_origin text check (indicator_origin ${NODE_ID}),
    indicator_origin_id text check (char_length(indicator_origin_id) <= 128),
    asked_by_token uuid,
    asked_by_name text check (char_length(asked_by_name) <= 200),
    created_at timestamptz not null default now(),
    primary key (side, partner, request_id),
    constraint lookup_hit_answered_names_indicator check (side = 'asked' or (indicator_origin is not null and indicator_origin_id is not null))
  )`,
  `create index lookup_hit_request on lookup_hit (request_id)`,
  // One row per disclosure request; the id is the requester's uuid v7 (the message id on the wire).
  `create table disclosure (
    id uuid primary key,
    seq bigint generated always as identity unique,
    direction text not null check (direction in ('in', 'out')),
    ${PARTNER},
    lookup_request_id uuid not null,
    ${REFERENCE},
    ${PURPOSE},
    legal_basis text not null check (char_length(legal_basis) between 1 and 500),
    case_reference text not null check (char_length(case_reference) between 1 and 200),
    state text not null check (state in ('requested', 'approved', 'denied', 'withdrawn')),
    ${INDICATOR_PK},
    requested_by_token uuid,
    requested_by_name text check (char_length(requested_by_name) <= 200),
    decided_by_token uuid,
    decided_by_name text check (char_length(decided_by_name) <= 200),
    decided_at timestamptz,
    reason text check (char_length(reason) <= 2000),
    released_bundle_hash text check (released_bundle_hash ~ '^[0-9a-f]{64}$'),
    released_origin text check (released_origin ${NODE_ID}),
    released_id text check (char_length(released_id) <= 128),
    decision_delivery text check (decision_delivery in ('queued', 'not-sent')),
    decision_delivery_reason text check (decision_delivery_reason ~ '^[A-Z][A-Z0-9_]{0,99}$'),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint disclosure_decided check ((state = 'requested') = (decided_at is null)),
    constraint disclosure_withdrawn_out check (state <> 'withdrawn' or direction = 'out'),
    constraint disclosure_released check ((state = 'approved') = (released_bundle_hash is not null))
  )`,
  // One open (or granted) request per hit and direction: a denied or withdrawn one may be asked again.
  `create unique index disclosure_one_per_hit on disclosure (direction, partner, lookup_request_id) where state in ('requested', 'approved')`,
  `create index disclosure_listing on disclosure (direction, state, seq)`,
];
