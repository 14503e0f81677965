import { Client } from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';

/**
 * The bench's only door to PostgreSQL (node-postgres + pg-copy-streams): measuring what the nodes
 * stored and the raw-COPY floor need direct SQL, which the layer rules otherwise keep in libs/store.
 */

/** A plain node-postgres client. */
export type Db = Client;

/** Connects a client to `url`. */
export async function connectDb(url: string): Promise<Db> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Runs `COPY … FROM STDIN` on `db` and returns the stream to write COPY text into. */
export function copyIn(db: Db, sql: string): CopyStreamQuery {
  return db.query(copyFrom(sql));
}
