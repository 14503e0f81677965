import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportPolicyConfig } from '@palermo/policy';
import { createTestDatabase, NodeProcess, startNatsServer, tempDir, type NatsServerHandle, type TestDatabase } from '@palermo/testing';
import { initNode } from '../../../apps/cli/src/commands/init.command';
import { pinAll } from '../../../apps/cli/src/commands/partners.command';
import { createToken } from '../../../apps/cli/src/commands/tokens.command';
import { ROLES, type Role } from '../../../apps/node/src/auth/roles';

/** Which database the nodes of a test federation run on. */
export type DatabaseKind = 'postgres' | 'pglite';

export interface NodeSpec {
  nodeId: string;
  jurisdiction: string;
  import?: ImportPolicyConfig;
  /** Partners this node shares beyond the community chain with (export.partners); default: every other node. */
  exportTo?: string[];
  env?: Record<string, string>;
}

/** An answer of the node's HTTP API. */
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One running node of a test federation, with a token per role. */
export class TestNode {
  constructor(
    readonly spec: NodeSpec,
    readonly dataDir: string,
    readonly process: NodeProcess,
    readonly tokens: Record<Role, string>,
    readonly fingerprint: string,
    readonly armoredPublicKey: string,
    readonly database?: TestDatabase,
  ) {}

  get nodeId(): string {
    return this.spec.nodeId;
  }

  get url(): string {
    return this.process.url;
  }

  /** Calls /api/v1 with the token of `role` (null = no token); never throws on HTTP errors. */
  async api<T = any>(method: string, path: string, opts: { role?: Role | null; body?: unknown; rawBody?: string } = {}): Promise<ApiAnswer<T>> {
    const role = opts.role === undefined ? 'analyst' : opts.role;
    const headers: Record<string, string> = {};
    if (role) headers.authorization = `Bearer ${this.tokens[role]}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined || opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = opts.rawBody ?? JSON.stringify(opts.body);
    }
    const res = await fetch(`${this.url}/api/v1${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // raw bytes or armored text: keep the string
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}

export interface Federation {
  nats: NatsServerHandle;
  nodes: TestNode[];
  node(id: string): TestNode;
  stop(): Promise<void>;
}

/**
 * Boots N nodes as real processes on one spawned nats-server, each on its own fresh database
 * (a `palermo_test_*` PostgreSQL database, or PGlite in its data dir), keys pinned at each other.
 */
export async function bootFederation(specs: NodeSpec[], db: DatabaseKind = 'postgres', nats?: NatsServerHandle): Promise<Federation> {
  const server = nats ?? (await startNatsServer());
  const root = tempDir('palermo-e2e-');
  const made: { spec: NodeSpec; node: Awaited<ReturnType<typeof initNode>>; tokens: Record<Role, string>; database?: TestDatabase }[] = [];
  const databases: TestDatabase[] = [];
  const nodes: TestNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.process.stop()));
    if (!nats) await server.stop();
    for (const database of databases) await database.drop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const spec of specs) {
      const database = db === 'postgres' ? await createTestDatabase(spec.nodeId.replace(/-/g, '_')) : undefined;
      if (database) databases.push(database);
      const dataDir = join(root, spec.nodeId);
      const exportTo = spec.exportTo ?? specs.filter((s) => s !== spec).map((s) => s.nodeId);
      const node = await initNode({ nodeId: spec.nodeId, jurisdiction: spec.jurisdiction, dataDir, natsUrl: server.url, databaseUrl: database?.url, import: spec.import, export: { partners: exportTo } });
      const tokens = {} as Record<Role, string>;
      for (const role of ROLES) tokens[role] = await createToken({ dataDir }, role, `e2e ${role}`);
      made.push({ spec, node, tokens, database });
    }
    await pinAll(made.map((m) => m.node));
    for (const m of made) {
      const proc = await NodeProcess.start({ nodeId: m.spec.nodeId, dataDir: m.node.dataDir, env: { NATS_URL: server.url, PALERMO_EXPORT_MAX_DELAY_MS: '50', ...m.spec.env } });
      nodes.push(new TestNode(m.spec, m.node.dataDir, proc, m.tokens, m.node.fingerprint, m.node.armoredPublicKey, m.database));
    }
  } catch (err) {
    // A spec only gets `fed` for its afterAll when boot succeeded: clean up what was started here.
    await stop().catch(() => undefined);
    throw err;
  }
  return { nats: server, nodes, node: (id) => nodes.find((n) => n.nodeId === id) ?? fail(`no node ${id}`), stop };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`, saying what it waited for). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
