import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { assertTestDatabaseName, createTestDatabase } from './test-database.helper';

describe('createTestDatabase (real PostgreSQL)', () => {
  it('creates a usable palermo_test_* database and drops it', async () => {
    const db = await createTestDatabase('Store Suite');
    expect(db.name).toMatch(/^palermo_test_store_suite_[0-9a-f]{10}$/);
    expect(new URL(db.url).pathname).toBe(`/${db.name}`);
    const client = new Client({ connectionString: db.url });
    client.on('error', () => undefined); // drop() terminates this session on purpose
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    expect(rows[0].db).toBe(db.name);
    // drop() must cope with connections still open (WITH (FORCE)).
    await db.drop();
    await client.end().catch(() => undefined);
    await db.drop(); // idempotent
    const admin = new Client({ connectionString: process.env.PALERMO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    const left = await admin.query('select 1 from pg_database where datname = $1', [db.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});

describe('assertTestDatabaseName', () => {
  it.each(['palermo_test_store_1a2b', 'x_test_y'])('accepts %s', (name) => {
    expect(() => assertTestDatabaseName(name)).not.toThrow();
  });

  it.each(['postgres', 'palermo', 'palermo_prod', 'palermo_testing_1', 'test_db', 'palermo_test_"; drop database postgres; --', 'PALERMO_TEST_X', ''])(
    'refuses %j',
    (name) => {
      expect(() => assertTestDatabaseName(name)).toThrowError(expect.objectContaining({ code: 'NOT_A_TEST_DATABASE' }));
    },
  );
});
