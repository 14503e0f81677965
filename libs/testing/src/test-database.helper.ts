import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DomainError } from '@palermo/indicators';

/** A throw-away PostgreSQL database for one test suite. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  /** Its name, `palermo_test_<prefix>_<random>`. */
  readonly name: string;
  /** Drop it (terminating leftover connections). Idempotent. */
  drop(): Promise<void>;
}

/** Admin connection used to create and drop test databases. */
export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const SAFE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Throws NOT_A_TEST_DATABASE unless `name` is a plain identifier that marks itself as a test database (`_test_`). */
export function assertTestDatabaseName(name: string): void {
  if (!SAFE_NAME.test(name) || !name.includes('_test_')) {
    throw new DomainError('NOT_A_TEST_DATABASE', `refusing to touch database "${name}": test database names contain "_test_"`);
  }
}

/** Create `palermo_test_<prefix>_<random>` on $PALERMO_TEST_PG_URL (default {@link DEFAULT_TEST_PG_URL}). */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = process.env.PALERMO_TEST_PG_URL ?? DEFAULT_TEST_PG_URL;
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  const name = `palermo_test_${safePrefix}_${randomBytes(5).toString('hex')}`;
  assertTestDatabaseName(name);
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      assertTestDatabaseName(name);
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      dropped = true;
    },
  };
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
