import { Client } from 'pg';
import type { TestNode } from './federation.harness';

// What someone with superuser access to a node's PostgreSQL could do to its audit log: switch the
// append-only triggers off for their session (session_replication_role = replica skips ordinary
// triggers) and edit, delete or reorder rows. Each tampering can be undone, so one suite can show
// that `palermo audit verify` names each kind in turn and passes again afterwards.

/** A superuser session on one node's database with the triggers off. */
export class AuditTamperer {
  private constructor(private readonly client: Client) {}

  static async open(node: TestNode): Promise<AuditTamperer> {
    if (!node.database) throw new Error(`${node.nodeId} runs without PostgreSQL`);
    const client = new Client({ connectionString: node.database.url });
    await client.connect();
    await client.query(`set session_replication_role = replica`);
    await client.query(`create temp table saved_audit as select * from audit_event with no data`);
    return new AuditTamperer(client);
  }

  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(text, params)).rows as T[];
  }

  /** The highest seq stored. */
  async lastSeq(): Promise<number> {
    return Number((await this.sql<{ n: string }>(`select max(seq)::text as n from audit_event`))[0]!.n);
  }

  /** Deletes entries (kept aside for restore()). */
  async deleteSeqs(from: number, to: number): Promise<void> {
    await this.sql(`insert into saved_audit select * from audit_event where seq between $1 and $2`, [from, to]);
    await this.sql(`delete from audit_event where seq between $1 and $2`, [from, to]);
  }

  /** Puts back what deleteSeqs removed, byte for byte. */
  async restore(): Promise<void> {
    await this.sql(`insert into audit_event overriding system value select * from saved_audit`);
    await this.sql(`truncate saved_audit`);
  }

  /** Exchanges the positions of two entries. */
  async swap(a: number, b: number): Promise<void> {
    // Through a free seq: the unique index and the seq >= 1 check are constraints, not triggers.
    const parked = 9_000_000_000_000_000;
    await this.sql(`update audit_event set seq = $1 where seq = $2`, [parked, a]);
    await this.sql(`update audit_event set seq = $1 where seq = $2`, [a, b]);
    await this.sql(`update audit_event set seq = $1 where seq = $2`, [b, parked]);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
