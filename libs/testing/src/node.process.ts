import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.helper';

/** How to start one node process. */
export interface NodeProcessOptions {
  nodeId: string;
  /** The node's data dir, made by `palermo init`. */
  dataDir: string;
  /** Extra environment (NATS_URL, DATABASE_URL, PORT, …); PORT 0 or absent picks a free port kept across restarts. */
  env?: Record<string, string | undefined>;
  readyTimeoutMs?: number;
}

/** The repository root (the folder whose package.json is named palermo). */
export function repoRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'palermo') return dir;
  }
  throw new Error(`no palermo package.json above ${from}`);
}

/** The built node entry point; tests and the demo run the same artefact an operator runs. */
export function nodeMainPath(): string {
  const main = join(repoRoot(), 'dist', 'apps', 'node', 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  return main;
}

const OUTPUT_KEEP = 256 * 1024;

/**
 * One node as a real OS process, so tests can SIGKILL it mid-import and restart it on the same
 * port, data dir and database.
 */
export class NodeProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private log = '';

  private constructor(
    readonly nodeId: string,
    readonly port: number,
    private readonly opts: NodeProcessOptions,
  ) {}

  /** Starts the node and resolves once it answers /healthz. */
  static async start(opts: NodeProcessOptions): Promise<NodeProcess> {
    const requested = Number(opts.env?.PORT ?? 0);
    const node = new NodeProcess(opts.nodeId, requested || (await freePort()), opts);
    await node.spawn();
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last output of the process (stdout and stderr interleaved). */
  output(): string {
    return this.log;
  }

  /** OS pid of the running node process (for /proc probes in benchmarks). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async spawn(): Promise<void> {
    const child = spawn(process.execPath, [nodeMainPath()], {
      env: { ...process.env, ...this.opts.env, PALERMO_DATA_DIR: this.opts.dataDir, PORT: String(this.port), HOST: '127.0.0.1', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-OUTPUT_KEEP);
      if (process.env.PALERMO_TEST_VERBOSE) process.stderr.write(`[${this.nodeId}] ${chunk}`);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((done) => child.once('exit', () => done()));
    await this.waitReady(this.opts.readyTimeoutMs ?? 60_000);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.nodeId} exited during start:\n${this.log.slice(-4000)}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.nodeId} did not answer /healthz within ${timeoutMs} ms:\n${this.log.slice(-4000)}`);
  }

  /** Sends a signal (SIGKILL by default: no shutdown hooks run) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** Starts the process again with the same port, data dir and environment. */
  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  /** Graceful stop (SIGTERM), then SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
