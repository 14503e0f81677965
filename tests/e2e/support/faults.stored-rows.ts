import { Client } from 'pg';
import type { TestNode } from './federation.harness';

// The one place in the e2e suites that reads a node's PostgreSQL directly (e2e brief: `pg` only to
// assert what is stored). The API shows what users see; these counts show nothing is stored twice.
// Its one write is time travel for the retention suite: a day cannot be waited for in a test.

/** Counts in a node's PostgreSQL database: what is stored, not what the API chooses to show. */
export interface StoredCounts {
  indicators: number;
  distinctIndicators: number;
  decisions: number;
  decisionsDistinctIndicators: number;
  inboundBundles: number;
  quarantined: number;
}

/** A small pg client for one node's database (assertions on what is stored only). */
export class StoredRows {
  private constructor(private readonly client: Client) {}

  static async open(node: TestNode): Promise<StoredRows> {
    if (!node.database) throw new Error(`${node.nodeId} runs without PostgreSQL`);
    const client = new Client({ connectionString: node.database.url });
    await client.connect();
    return new StoredRows(client);
  }

  /** Indicators of `origin` stored on this node (cheap enough to poll during a sync). */
  async indicatorCount(origin: string): Promise<number> {
    const res = await this.client.query('select count(*)::int as n from indicator where origin_node = $1', [origin]);
    return res.rows[0].n;
  }

  async counts(origin: string): Promise<StoredCounts> {
    const one = async (sql: string, params: unknown[] = []) => (await this.client.query(sql, params)).rows[0];
    const ind = await one('select count(*)::int as n, count(distinct origin_id)::int as d from indicator where origin_node = $1', [origin]);
    const dec = await one('select count(*)::int as n, count(distinct origin_id)::int as d from import_decision where origin_node = $1', [origin]);
    const bun = await one(`select count(*)::int as n from bundle where direction = 'in' and publisher = $1`, [origin]);
    const qua = await one('select count(*)::int as n from quarantine');
    return {
      indicators: ind.n,
      distinctIndicators: ind.d,
      decisions: dec.n,
      decisionsDistinctIndicators: dec.d,
      inboundBundles: bun.n,
      quarantined: qua.n,
    };
  }

  /** Indicator values of `origin` whose value starts with `prefix`, counted once each (duplicates show as count > distinct). */
  async valueCounts(origin: string, prefix: string): Promise<{ rows: number; distinctValues: number }> {
    const res = await this.client.query(
      'select count(*)::int as rows, count(distinct value)::int as "distinctValues" from indicator where origin_node = $1 and value like $2',
      [origin, `${prefix}%`],
    );
    return res.rows[0];
  }

  /** Outbound bundles of `audience`'s chain stored but not yet published (cheap enough to poll every few ms). */
  async unpublishedOutbound(audience: string): Promise<number> {
    const res = await this.client.query(`select count(*)::int as n from bundle where direction = 'out' and audience = $1 and published_at is null`, [audience]);
    return res.rows[0].n;
  }

  /**
   * Time travel: marks the given indicators (by origin id) and bundles (by hash) as having expired a
   * minute ago, as if their agreement's retention had run out. Returns the rows changed.
   */
  async expireNow(originIds: string[], bundleHashes: string[] = []): Promise<{ indicators: number; bundles: number }> {
    const ind = await this.client.query(`update indicator set expires_at = now() - interval '1 minute' where origin_id = any($1::text[])`, [originIds]);
    const bun = await this.client.query(`update bundle set expires_at = now() - interval '1 minute' where hash = any($1::text[])`, [bundleHashes]);
    return { indicators: ind.rowCount ?? 0, bundles: bun.rowCount ?? 0 };
  }

  /** Rows of the indicator table holding any of `needles` anywhere (value, pseudonym, description, …). */
  async indicatorRowsHolding(needles: string[]): Promise<number> {
    const res = await this.client.query(`select count(*)::int as n from indicator t where exists (select 1 from unnest($1::text[]) x where position(x in t::text) > 0)`, [needles]);
    return res.rows[0].n;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
