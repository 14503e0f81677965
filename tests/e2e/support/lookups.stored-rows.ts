import { Client } from 'pg';
import type { TestNode } from './federation.harness';

// Reads a node's whole PostgreSQL database as text (e2e brief: `pg` only to assert what is stored):
// the lookup suite asserts that a missed value left no trace in any table of the responder.

/** Every row of every table of the node's public schema, as PostgreSQL's text form of the row (bytea as \x hex). */
export async function dumpAllRows(node: TestNode): Promise<{ table: string; row: string }[]> {
  if (!node.database) throw new Error(`${node.nodeId} runs without PostgreSQL`);
  const client = new Client({ connectionString: node.database.url });
  await client.connect();
  try {
    const tables = (await client.query(`select tablename from pg_tables where schemaname = 'public' order by tablename`)).rows.map((r) => r.tablename as string);
    const out: { table: string; row: string }[] = [];
    for (const table of tables) {
      const rows = await client.query(`select t::text as row from "${table.replace(/"/g, '""')}" t`);
      for (const r of rows.rows) out.push({ table, row: r.row as string });
    }
    return out;
  } finally {
    await client.end();
  }
}
