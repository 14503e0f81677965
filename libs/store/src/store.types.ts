// The store's shared shapes; each domain's records live in their own *.types.ts, re-exported here.
/** Normalized analyst input (validated and normalized by @palermo/indicators). */
export type { IndicatorInput } from '@palermo/indicators';

/** How to reach the database: PostgreSQL when `databaseUrl` is set, PGlite otherwise. */
export interface StoreOptions {
  /** postgres:// URL; when absent the store runs on embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; undefined = in-memory (tests). Ignored with `databaseUrl`. */
  pgliteDir?: string;
  /** Log every ORM query (raw bulk statements are not logged). */
  debug?: boolean;
}

/** One page of a keyset-paginated list; `nextCursor` is null on the last page. */
export interface Page<T> {
  /** The rows of this page. */
  items: T[];
  /** Opaque base64url cursor for the next page, or null when there is none. */
  nextCursor: string | null;
}

export * from './indicator.types';
export * from './bundle.types';
export * from './partner.types';
export * from './receipt.types';
