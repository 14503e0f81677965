import { execFileSync, spawnSync } from 'node:child_process';
import type { Role } from '../../../apps/node/src/auth/roles';
import type { ApiAnswer, TestNode } from './federation.harness';

// Byte-exact reads from a node's API and read-only SQL on its database. TestNode.api() parses JSON,
// which loses the exact bytes a signature covers; SQL goes through psql so that the tests keep the
// layer rule "SQL only in libs/store" (and assert on what is stored, not on what the ORM maps).

/** GET /api/v1<path> as raw bytes (throws on a non-2xx answer). */
export async function getBytes(node: TestNode, path: string, role: Role = 'auditor'): Promise<Buffer> {
  const res = await fetch(`${node.url}/api/v1${path}`, { headers: { authorization: `Bearer ${node.tokens[role]}` } });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new Error(`GET ${path} on ${node.nodeId}: ${res.status} ${body.toString('utf8').slice(0, 300)}`);
  return body;
}

/** GET /api/v1<path> as raw bytes, or null when the node answers 410 (it chose not to keep them). */
export async function getBytesIfKept(node: TestNode, path: string, role: Role = 'auditor'): Promise<Buffer | null> {
  const res = await fetch(`${node.url}/api/v1${path}`, { headers: { authorization: `Bearer ${node.tokens[role]}` } });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status === 410) return null;
  if (!res.ok) throw new Error(`GET ${path} on ${node.nodeId}: ${res.status} ${body.toString('utf8').slice(0, 300)}`);
  return body;
}

/** Every page of a cursor-paged list endpoint (`{ items, nextCursor }`). */
export async function listAll<T = any>(node: TestNode, path: string, role: Role = 'auditor'): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: ApiAnswer = await node.api('GET', `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { role });
    if (page.status !== 200) throw new Error(`GET ${path} on ${node.nodeId}: ${page.status} ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/**
 * Runs one read-only SQL statement through psql and returns the rows as arrays of text.
 * `vars` become psql variables, used in the SQL as :'name' (quoted as literals by psql itself).
 */
export function psql(databaseUrl: string, sql: string, vars: Record<string, string> = {}): string[][] {
  const args = [databaseUrl, '-X', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1'];
  for (const [name, value] of Object.entries(vars)) args.push('-v', `${name}=${value}`);
  const out = execFileSync('psql', args, {
    input: `${sql};\n`,
    encoding: 'utf8',
    // Read-only session: an assertion must never change what it looks at.
    env: { ...process.env, PGOPTIONS: '-c default_transaction_read_only=on' },
  });
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/** Runs a command, never throwing: exit status and both outputs. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '', error: res.error };
}
