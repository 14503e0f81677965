import pg from 'pg';

/**
 * Plants an imported indicator that the node keeps only as a pseudonym (what an import policy with
 * `pseudonymize` leaves behind), straight in the node's database: the export must leave it out.
 */
export async function insertPseudonymOnlyIndicator(databaseUrl: string, origin: string, originId: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `insert into indicator (origin_node, origin_id, own, type, pseudonym, tlp, confidence, first_seen, last_seen, version, modified_at)
       values ($1, $2, false, 'email', 'hmac:0123', 'amber', 50, now(), now(), 1, now())`,
      [origin, originId],
    );
  } finally {
    await db.end();
  }
}
