import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { PGliteDriver } from 'mikro-orm-pglite';
import { ENTITIES } from './entities/entity.list';
import { MIGRATIONS } from './migrations/migration.list';
import { Store } from './store';
import type { StoreOptions } from './store.types';

/**
 * Opens the store: PostgreSQL when `databaseUrl` is set, else PGlite (in `pgliteDir`, or in memory
 * when that is undefined). Runs pending migrations — never schema sync — then returns the Store.
 * An unreachable database is DATABASE_UNAVAILABLE, a failed migration MIGRATION_FAILED.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const backend = options.databaseUrl ? postgres(options.databaseUrl) : await pglite(options.pgliteDir);
  const orm = await MikroORM.init({ ...common(options), ...backend.options });
  const store = new Store(orm, backend.name, backend.close);
  try {
    const check = await orm.checkConnection();
    if (!check.ok) {
      throw new DomainError('DATABASE_UNAVAILABLE', `cannot reach ${backend.describe}: ${check.reason}`);
    }
    await migrate(orm, backend.describe);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function migrate(orm: MikroORM, describe: string): Promise<void> {
  try {
    await orm.getMigrator().up();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DomainError('MIGRATION_FAILED', `migrating ${describe} failed: ${reason}`);
  }
}

function common(options: StoreOptions): Options {
  return {
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      // FK checks stay on: disabling them needs superuser rights on PostgreSQL.
      disableForeignKeys: false,
      snapshot: false,
      // stdout belongs to the CLI's output; the executed list is queryable through the Migrator.
      silent: true,
    },
    // The schema belongs to the migrations: never create databases or sync tables at runtime.
    ensureDatabase: false,
    ensureIndexes: false,
    // Entities declare every column type, so metadata needs neither ts-morph nor a cache on disk.
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    metadataCache: { enabled: false },
    // Repositories fork explicitly; touching the global EntityManager is a bug worth an error.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: options.debug ?? false,
  };
}

interface Backend {
  name: 'postgresql' | 'pglite';
  options: Options;
  /** For messages; never includes credentials. */
  describe: string;
  close: () => Promise<void>;
}

function postgres(databaseUrl: string): Backend {
  let describe = 'PostgreSQL';
  try {
    const url = new URL(databaseUrl);
    describe = `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    throw new DomainError('DATABASE_URL_INVALID', 'DATABASE_URL is not a valid postgres:// URL');
  }
  return {
    name: 'postgresql',
    options: { driver: PostgreSqlDriver, clientUrl: databaseUrl, pool: { min: 0, max: 10 } },
    describe,
    close: async () => undefined,
  };
}

// The PGlite instance is created here and lent to MikroORM, so that the store decides its data
// directory and closes it (MikroORM would only close an instance it created itself).
async function pglite(dir: string | undefined): Promise<Backend> {
  if (dir !== undefined) await mkdir(dir, { recursive: true });
  const db = dir === undefined ? new PGlite() : new PGlite(dir);
  await db.waitReady;
  const connection = { pglite: () => db };
  return {
    name: 'pglite',
    options: { driver: PGliteDriver, dbName: 'postgres', driverOptions: { connection } },
    describe: dir === undefined ? 'in-memory PGlite' : `PGlite in ${dir}`,
    close: async () => {
      if (!db.closed) await db.close();
    },
  };
}
