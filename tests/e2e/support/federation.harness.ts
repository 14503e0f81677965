import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, NodeProcess, startNatsServer, tempDir, type NatsServerHandle, type TestDatabase } from '@palermo/testing';
import { agree, type AgreementParty, type AgreementTermsBody } from '../../../apps/cli/src/agreements.setup';
import { initNode } from '../../../apps/cli/src/commands/init.command';
import { pinAll } from '../../../apps/cli/src/commands/partners.command';
import { createToken } from '../../../apps/cli/src/commands/tokens.command';
import { ROLES, type Role } from '../../../apps/node/src/auth/roles';

/** Which database the nodes of a test federation run on. */
export type DatabaseKind = 'postgres' | 'pglite';

/** Terms of an agreement a test sets up (anything not given comes from openTerms(): in effect from a minute ago). */
export type AgreementTermsSpec = Partial<AgreementTermsBody>;

export interface NodeSpec {
  nodeId: string;
  jurisdiction: string;
  /** The jurisdiction policy (Cedar text) seeded as version 1; default: the node's default policy. */
  policy?: string;
  /**
   * The agreements this node's officers draft and approve once every node runs: 'all' (default) =
   * one on openTerms() with every other node of the federation; 'none'; or the listed ones.
   */
  agreements?: 'all' | 'none' | { partner: string; terms?: AgreementTermsSpec }[];
  /** Jurisdictions this node treats as adequate (PALERMO_ADEQUACY). */
  adequacy?: string[];
  env?: Record<string, string | undefined>;
}

/** An answer of the node's HTTP API. */
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Who calls: a role (its first token), the second policy officer, or nobody. */
export type Caller = Role | 'policy-officer-2' | null;

export interface ApiOptions {
  /** Default 'analyst'; null = no Authorization header. Ignored when `token` is given. */
  role?: Caller;
  /** A raw bearer token. */
  token?: string;
  body?: unknown;
  rawBody?: string;
}

/** One running node of a test federation, with a token per role and two policy officers. */
export class TestNode {
  constructor(
    readonly spec: NodeSpec,
    readonly dataDir: string,
    readonly process: NodeProcess,
    readonly tokens: Record<Role, string>,
    /** Two different policy-officer tokens (four-eyes): [tokens['policy-officer'], a second officer]. */
    readonly officers: readonly [string, string],
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

  /** This node as the agreement helpers (apps/cli/src/agreements.setup) see it. */
  get party(): AgreementParty {
    return { nodeId: this.nodeId, url: this.url, officers: this.officers };
  }

  /** The bearer token of a caller. */
  token(caller: Exclude<Caller, null>): string {
    return caller === 'policy-officer-2' ? this.officers[1] : this.tokens[caller];
  }

  /** Calls /api/v1 with the token of `role` (null = no token); never throws on HTTP errors. */
  async api<T = any>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiAnswer<T>> {
    const role = opts.role === undefined ? 'analyst' : opts.role;
    const headers: Record<string, string> = {};
    const token = opts.token ?? (role ? this.token(role) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined || opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = opts.rawBody ?? JSON.stringify(opts.body);
    }
    const res = await fetchOnce(`${this.url}/api/v1${path}`, { method, headers, body });
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

/** Names of the tokens the harness creates (the names agreements' and policies' history shows). */
export const OFFICER_NAMES = ['e2e policy-officer', 'e2e policy-officer 2'] as const;

/**
 * Boots N nodes as real processes on one spawned nats-server, each on its own fresh database
 * (a `palermo_test_*` PostgreSQL database, or PGlite in its data dir), keys pinned at each other,
 * then sets up each node's agreements (drafted by one officer, approved by the other).
 */
export async function bootFederation(specs: NodeSpec[], db: DatabaseKind = 'postgres', nats?: NatsServerHandle): Promise<Federation> {
  const server = nats ?? (await startNatsServer());
  const root = tempDir('palermo-e2e-');
  const made: { spec: NodeSpec; node: Awaited<ReturnType<typeof initNode>>; tokens: Record<Role, string>; officers: [string, string]; database?: TestDatabase }[] = [];
  const databases: TestDatabase[] = [];
  const nodes: TestNode[] = [];
  const processes: NodeProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (!nats) await server.stop();
    for (const database of databases) await database.drop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // Nodes are made and started a few at a time (key generation and migrations are CPU-bound), in spec order.
    made.push(
      ...(await mapLimit(specs, BOOT_CONCURRENCY, async (spec) => {
        const database = db === 'postgres' ? await createTestDatabase(spec.nodeId.replace(/-/g, '_')) : undefined;
        if (database) databases.push(database);
        const dataDir = join(root, spec.nodeId);
        const node = await initNode({
          nodeId: spec.nodeId,
          jurisdiction: spec.jurisdiction,
          dataDir,
          natsUrl: server.url,
          databaseUrl: database?.url,
          policyText: spec.policy,
          adequacy: spec.adequacy?.join(','),
        });
        const tokens = {} as Record<Role, string>;
        for (const role of ROLES) tokens[role] = await createToken({ dataDir }, role, role === 'policy-officer' ? OFFICER_NAMES[0] : `e2e ${role}`);
        const officers: [string, string] = [tokens['policy-officer'], await createToken({ dataDir }, 'policy-officer', OFFICER_NAMES[1])];
        return { spec, node, tokens, officers, database };
      })),
    );
    await pinAll(made.map((m) => m.node));
    const started = await mapLimit(made, BOOT_CONCURRENCY, async (m) => {
      const proc = await NodeProcess.start({ nodeId: m.spec.nodeId, dataDir: m.node.dataDir, env: { NATS_URL: server.url, PALERMO_EXPORT_MAX_DELAY_MS: '50', ...m.spec.env } });
      // Kept at once, so that a failed boot still stops the processes already started.
      processes.push(proc);
      return new TestNode(m.spec, m.node.dataDir, proc, m.tokens, m.officers, m.node.fingerprint, m.node.armoredPublicKey, m.database);
    });
    nodes.push(...started);
    for (const node of nodes) {
      for (const { partner, terms } of agreementsOf(node.spec, specs)) await agree(node.party, partner, terms);
    }
  } catch (err) {
    // A spec only gets `fed` for its afterAll when boot succeeded: clean up what was started here.
    await stop().catch(() => undefined);
    throw err;
  }
  return { nats: server, nodes, node: (id) => nodes.find((n) => n.nodeId === id) ?? fail(`no node ${id}`), stop };
}

/** How many nodes are made or started at the same time. */
const BOOT_CONCURRENCY = 3;

/** `fn` over `items`, at most `limit` at a time; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failedOnce = false;
  const worker = async () => {
    while (next < items.length && !failedOnce) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (err) {
        failedOnce = true;
        throw err;
      }
    }
  };
  // Every worker finishes before a failure is reported, so the caller's clean-up sees everything that was started.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}

function agreementsOf(spec: NodeSpec, specs: NodeSpec[]): { partner: string; terms?: AgreementTermsSpec }[] {
  const wanted = spec.agreements ?? 'all';
  if (wanted === 'none') return [];
  if (wanted === 'all') return specs.filter((s) => s !== spec).map((s) => ({ partner: s.nodeId }));
  return wanted;
}

/** An ISO instant one minute ago: a validFrom that is in effect at once, whatever the clocks say. */
export function aMinuteAgo(): string {
  return new Date(Date.now() - 60_000).toISOString();
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

/**
 * fetch, with one retry of a GET whose pooled keep-alive socket the node had closed meanwhile:
 * a test that blocks its event loop (spawnSync of the CLI) for longer than the server's keep-alive
 * timeout gets the stale socket back from the pool ("other side closed"). Only GETs: a repeated
 * POST could act twice.
 */
async function fetchOnce(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (init.method !== 'GET' || code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, init);
  }
}
