import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertTestDatabaseName, createTestDatabase, tempDir } from '@palermo/testing';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BACKENDS, openTestStore, type TestStore } from './store.fixtures';
import { openStore } from './store.open';
import { MIGRATIONS } from './migrations/migration.list';
import { query } from './sql.helper';

const TABLES = [
  'agreement',
  'api_token',
  'audit_checkpoint',
  'audit_event',
  'audit_head',
  'bundle',
  'export_decision',
  'image_hash_chunk',
  'import_decision',
  'indicator',
  'indicator_revocation',
  'node_key',
  'partner',
  'policy_version',
  'quarantine',
  'receipt',
  'receipt_outbox',
  'feedback_outbox',
  'sighting',
  'stix_ref',
  'feed_log',
  'feed_log_head',
  'feed_log_node',
  'log_checkpoint',
  'log_fork',
  'log_inclusion',
  'log_partner',
  'log_witness',
  'lookup_epoch',
  'lookup_entry',
  'alert',
  'alert_source',
  'alert_key',
  'alert_cursor',
  'partner_sighting',
  'dispute',
  'lookup_hit',
  'disclosure',
];
const MIGRATION_NAMES = MIGRATIONS.map((m) => m.name);

describe.each(BACKENDS)('migrations (%s)', (backend) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(backend, 'migrations');
  });
  afterAll(async () => t?.dispose());

  it('creates every table from an empty database', async () => {
    const em = t.store.orm.em.fork() as unknown as EntityManager;
    const rows = await query<{ table_name: string }>(
      em,
      `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
    const executed = await t.store.orm.getMigrator().getExecutedMigrations();
    expect(executed.map((m) => m.name)).toEqual(MIGRATION_NAMES);
    expect(MIGRATION_NAMES.slice(0, 2)).toEqual(['Migration20251128000000InitialSchema', 'Migration20261129000000AgreementsPolicy']);
    expect(await t.store.orm.getMigrator().getPendingMigrations()).toEqual([]);
  });

  // Migrations are hand-written, so this is the drift check: every mapped property has its column,
  // with the same nullability (the schema generator's diff cannot model partial indexes and checks).
  it('has a column, with the same nullability, for every entity property', async () => {
    const em = t.store.orm.em.fork() as unknown as EntityManager;
    const columns = await query<{ table_name: string; column_name: string; is_nullable: string }>(
      em,
      `select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public'`,
    );
    const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c.is_nullable === 'YES']));
    const expected = Object.values(t.store.orm.getMetadata().getAll()).flatMap((meta) =>
      meta.props
        .filter((prop) => prop.persist !== false)
        .flatMap((prop) => prop.fieldNames.map((field) => [`${meta.tableName}.${field}`, !!prop.nullable] as const)),
    );
    expect(expected.length).toBeGreaterThan(60);
    for (const [column, nullable] of expected) {
      expect({ column, nullable: actual.get(column) }).toEqual({ column, nullable });
    }
  });

  it('upgrades a database holding first-schema rows: old decisions read without facts, new columns empty', async () => {
    const dir = backend === 'pglite' ? tempDir('store-upgrade') : undefined;
    const db = backend === 'postgresql' ? await createTestDatabase('store_upgrade') : undefined;
    const options = dir ? { pgliteDir: join(dir, 'pglite') } : { databaseUrl: db!.url };
    try {
      const first = await openStore(options);
      // Back to the first schema, whatever number of migrations came after it.
      while ((await first.orm.getMigrator().getExecutedMigrations()).length > 1) await first.orm.getMigrator().down();
      expect((await first.orm.getMigrator().getExecutedMigrations()).map((m) => m.name)).toEqual([MIGRATION_NAMES[0]]);
      const em = first.orm.em.fork() as unknown as EntityManager;
      await query(em, `insert into import_decision (bundle_hash, entry_index, origin_node, origin_id, version, action, reasons)
        values ('${'a'.repeat(64)}', 0, 'be-police', 'old-id', 1, 'accept', '{import.default-accept}')`);
      await query(em, `insert into indicator (origin_node, origin_id, own, type, value, tlp, confidence, first_seen, last_seen, version, modified_at)
        values ('be-police', 'old-id', false, 'phone', '+3212345678', 'green', 50, now(), now(), 1, now())`);
      await first.close();

      const upgraded = await openStore(options);
      try {
        expect(await upgraded.orm.getMigrator().getExecutedMigrations()).toHaveLength(MIGRATIONS.length);
        const [decision] = await upgraded.decisions.forBundle('a'.repeat(64));
        expect(decision).toMatchObject({ originId: 'old-id', policyVersion: null, agreementId: null, facts: null });
        expect((await upgraded.indicators.getWithProvenance('old-id'))?.indicator).toMatchObject({ value: '+3212345678', expiresAt: null });
        expect(await upgraded.agreements.allCurrent()).toEqual([]);
        // The Taxii migration stamps rows that predate it, so TAXII serves them.
        const page = await upgraded.taxii.localPage({ after: null, limit: 10 });
        expect(page.entries.map((e) => e.indicator.id)).toEqual(['old-id']);
      } finally {
        await upgraded.close();
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
      await db?.drop();
    }
  });

  it('reports a healthy connection', async () => {
    expect(await t.store.health()).toEqual({ ok: true, backend });
  });

  it('reopening a migrated database keeps its rows and runs nothing again', async () => {
    const dir = backend === 'pglite' ? tempDir('store-reopen') : undefined;
    const options = backend === 'pglite' ? { pgliteDir: join(dir!, 'pglite') } : { databaseUrl: t.url };
    try {
      const first = await openStore(options);
      await first.partners.upsert({ nodeId: 'be-police', jurisdiction: 'BE', fingerprint: 'f'.repeat(40), armoredPublicKey: 'k' });
      await first.close();
      const again = await openStore(options);
      try {
        expect(await again.orm.getMigrator().getExecutedMigrations()).toHaveLength(MIGRATIONS.length);
        expect(await again.partners.get('be-police')).toMatchObject({ jurisdiction: 'BE' });
      } finally {
        await again.close();
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('test database guard', () => {
  it.each(['palermo', 'postgres', 'palermo_prod', 'test', 'x_test_"; drop'])('refuses %s', (name) => {
    expect(() => assertTestDatabaseName(name)).toThrow(/_test_/);
  });
});

describe('openStore failures', () => {
  it('names an unreachable PostgreSQL without leaking the password', async () => {
    const error = await openStore({ databaseUrl: 'postgres://user:s3cret@127.0.0.1:1/palermo' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('s3cret');
  });
});
