import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { TestNode } from './federation.harness';

// STIX 2.1 objects for the import suites, written the way other tools write them (OpenCTI, MISP's
// STIX export): standard SCO patterns, official TLP marking-definition ids.

/** Official TLP 2.0 marking-definition ids (oasis-open/cti-stix-common-objects). */
export const TLP2 = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
} as const;

/** TLP 1.0 ids of the STIX 2.1 specification (white, green, amber, red). */
export const TLP1_WHITE = 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9';

export type StixObject = Record<string, unknown>;

/** A fresh STIX id of `type`. */
export const stixId = (type: string) => `${type}--${randomUUID()}`;

/** An indicator object (defaults: created = modified = 2026-01-01, pattern_type stix). */
export function indicator(pattern: string, extra: StixObject = {}): StixObject {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: stixId('indicator'),
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    pattern,
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** Escapes a value for a STIX pattern string literal. */
export const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const emailPattern = (v: string) => `[email-addr:value = ${quote(v)}]`;
export const domainPattern = (v: string) => `[domain-name:value = ${quote(v)}]`;
export const urlPattern = (v: string) => `[url:value = ${quote(v)}]`;
export const ipv4Pattern = (v: string) => `[ipv4-addr:value = ${quote(v)}]`;
export const sha256Pattern = (v: string) => `[file:hashes.'SHA-256' = ${quote(v)}]`;

export const identity = (): StixObject => ({
  type: 'identity',
  spec_version: '2.1',
  id: stixId('identity'),
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  name: 'Example NGO',
  identity_class: 'organization',
});

/** A bundle of `objects` as JSON text. */
export const bundle = (objects: unknown[], extra: StixObject = {}) => JSON.stringify({ type: 'bundle', id: stixId('bundle'), objects, ...extra });

/** An answer of the import endpoint. */
export interface Answer {
  status: number;
  body: any;
}

/** POSTs a STIX body (text, bytes or a stream) to /stix/import; never throws on HTTP errors. */
export async function postStix(
  node: TestNode,
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  opts: { query?: string; contentType?: string; role?: 'analyst' | 'admin' | 'auditor' | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/stix+json;version=2.1', ...opts.headers };
  const role = opts.role === undefined ? 'analyst' : opts.role;
  if (role) headers.authorization = `Bearer ${node.token(role)}`;
  const init = { method: 'POST', headers, body, duplex: 'half' } as RequestInit;
  const res = await fetch(`${node.url}/api/v1/stix/import${opts.query ? `?${opts.query}` : ''}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}

/** Row counts in a node's PostgreSQL (what is stored, not what the API shows). */
export class ImportRows {
  private constructor(private readonly client: Client) {}

  static async open(node: TestNode): Promise<ImportRows> {
    if (!node.database) throw new Error(`${node.nodeId} runs without PostgreSQL`);
    const client = new Client({ connectionString: node.database.url });
    await client.connect();
    return new ImportRows(client);
  }

  async counts(): Promise<{ own: number; refs: number; audits: number }> {
    const one = async (sql: string) => (await this.client.query(sql)).rows[0].n as number;
    return {
      own: await one('select count(*)::int as n from indicator where own'),
      refs: await one('select count(*)::int as n from stix_ref'),
      audits: await one(`select count(*)::int as n from audit_event where action in ('stix.import', 'misp.import')`),
    };
  }

  async lastAudit(action: string): Promise<{ actor_name: string; details: any } | undefined> {
    const res = await this.client.query('select actor_name, details from audit_event where action = $1 order by id desc limit 1', [action]);
    return res.rows[0];
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
