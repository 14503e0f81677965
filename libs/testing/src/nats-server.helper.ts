import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freePort, tempDir } from './free-port.helper';

/** Options for {@link startNatsServer}. */
export interface StartNatsServerOptions {
  /** A nats-server config file (`-c`). Our `-a/-p/-m` flags override its host and ports; its store_dir should read `$PALERMO_NATS_STORE_DIR`. */
  configFile?: string;
  /** Extra command-line arguments, appended after ours. */
  args?: string[];
  /** Extra environment for the server (config files may reference `$VARS`). */
  env?: Record<string, string>;
  /** Listen on this port instead of a free one. */
  port?: number;
  /** Use this JetStream store directory (kept on stop) instead of a fresh temp dir (removed on stop). */
  storeDir?: string;
  /** How long to wait for "Server is ready", in ms (default 15 000). */
  readyTimeoutMs?: number;
  /** The server binary (default `$NATS_SERVER_BIN` or /usr/sbin/nats-server). */
  binary?: string;
}

/** A running (or killed, restartable) nats-server owned by a test. */
export interface NatsServerHandle {
  /** Client URL, e.g. nats://127.0.0.1:41234. */
  readonly url: string;
  /** Client port; stays the same across restart(). */
  readonly port: number;
  /** JetStream store directory; stays the same across restart(). */
  readonly storeDir: string;
  /** HTTP monitoring base URL (e.g. for /healthz, /jsz). */
  readonly monitorUrl: string;
  /** True while the process is alive. */
  running(): boolean;
  /** The last lines the server logged (for failure messages). */
  logs(): string;
  /** Send a signal; for terminating signals (default SIGKILL) resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same port and store dir (stops a still-running process first); resolves when ready. */
  restart(): Promise<void>;
  /** Stop the server (SIGTERM, then SIGKILL after 5 s) and remove the store dir if this helper created it. Idempotent. */
  stop(): Promise<void>;
}

const TERMINATING: ReadonlySet<string> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT']);
const MAX_LOG_LINES = 300;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Never leave an orphaned server behind when a test worker exits without calling stop(). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Spawn a real nats-server with JetStream on 127.0.0.1, a free port and a temp store dir,
 * and resolve once it logged "Server is ready" (JetStream has recovered its store by then).
 */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  installExitHook();
  const port = options.port ?? (await freePort());
  const monitorPort = await freePort();
  const ownsStore = options.storeDir === undefined;
  const storeDir = options.storeDir ?? tempDir('nats-store');
  const base = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort)];
  // nats-server 2.9 rejects `-sd` next to a config file's store_dir ("Duplicate 'store_dir'"), so a config reads it from the env.
  const args = options.configFile
    ? ['-c', options.configFile, ...base, ...(options.args ?? [])]
    : [...base, '-js', '-sd', storeDir, ...(options.args ?? [])];
  const server = new SpawnedNatsServer({
    binary: options.binary ?? process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server',
    args,
    env: { ...process.env, PALERMO_NATS_STORE_DIR: storeDir, ...options.env },
    readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
    port,
    monitorPort,
    storeDir,
    ownsStore,
  });
  try {
    await server.launch();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

interface SpawnSpec {
  binary: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  readyTimeoutMs: number;
  port: number;
  monitorPort: number;
  storeDir: string;
  ownsStore: boolean;
}

/** One server identity (port, store) across any number of processes (restart). */
class SpawnedNatsServer implements NatsServerHandle {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly monitorUrl: string;
  private readonly log: string[] = [];
  private child?: ChildProcess;
  private stopped = false;

  constructor(private readonly spec: SpawnSpec) {
    this.port = spec.port;
    this.storeDir = spec.storeDir;
    this.url = `nats://127.0.0.1:${spec.port}`;
    this.monitorUrl = `http://127.0.0.1:${spec.monitorPort}`;
  }

  async launch(): Promise<void> {
    this.child = spawnServer(this.spec.binary, this.spec.args, this.spec.env, this.log);
    await waitReady(this.child, this.log, this.spec.readyTimeoutMs);
  }

  running(): boolean {
    return this.child !== undefined && isAlive(this.child);
  }

  logs(): string {
    return this.log.join('\n');
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const current = this.child;
    if (!current || !isAlive(current)) return;
    const exited = waitExit(current);
    current.kill(signal);
    if (TERMINATING.has(signal)) await exited;
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('nats-server was stopped; start a new one');
    await this.gracefulStop();
    await this.launch();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.gracefulStop();
    if (this.spec.ownsStore) rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async gracefulStop(): Promise<void> {
    const current = this.child;
    if (!current || !isAlive(current)) return;
    // A stopped (SIGSTOP) process ignores SIGTERM until continued; SIGKILL after 5 s covers that and hangs.
    current.kill('SIGCONT');
    const timer = setTimeout(() => current.kill('SIGKILL'), 5_000);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

function spawnServer(binary: string, args: string[], env: NodeJS.ProcessEnv, log: string[]): ChildProcess {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const keep = (chunk: Buffer): void => {
    log.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
    if (log.length > MAX_LOG_LINES) log.splice(0, log.length - MAX_LOG_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitExit(child: ChildProcess): Promise<void> {
  return isAlive(child) ? new Promise((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
}

function waitReady(child: ChildProcess, log: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      reject(new Error(`nats-server ${why}:\n${log.slice(-30).join('\n')}`));
    };
    // Look only at this launch's output: after restart() the log still holds the previous "ready" line.
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (seen.includes('Server is ready')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited early (code ${code}, signal ${signal})`);
    const onError = (err: Error): void => fail(`could not be spawned (${err.message})`);
    const timer = setTimeout(() => fail(`was not ready after ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
