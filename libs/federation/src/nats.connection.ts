import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { nkeyAuthenticator, type NatsConnection as NatsClient, type Status } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { errorMessage, natsUnavailable } from './federation.errors';
import type { FederationOptions, NatsHealth, NatsState } from './federation.types';

/**
 * The node's one NATS connection: connects in the background and reconnects forever, watches the
 * status stream so health() shows a lost connection and its recovery, and hands out JetStream
 * clients. Plain class: Nest wires it through FederationModule, the CLI and tests use `new`.
 */
export class NatsConnection implements OnModuleInit, OnApplicationShutdown {
  private client?: NatsClient;
  private connecting?: Promise<void>;
  private closing = false;
  private state: NatsState = 'connecting';
  private since = new Date().toISOString();
  private reconnects = 0;
  private server?: string;
  private lastError?: string;
  /** This node's streams it could not use, by name: why (e.g. STREAM_NOT_PROVISIONED), shown in health(). */
  private readonly streamProblems = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private js?: { client: NatsClient; js: JetStreamClient; jsm?: JetStreamManager };
  private readonly logger = new Logger('NatsConnection');

  constructor(readonly options: FederationOptions) {}

  /** Start connecting (idempotent); the first connect is retried until it works or close() is called. */
  start(): void {
    if (this.closing || this.connecting) return;
    this.connecting = this.connectLoop().finally(() => (this.connecting = undefined));
  }

  /** Timeout applied to publishes and JetStream API calls (ms). */
  get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 5_000;
  }

  /** Current broker health, for the node's /health endpoint. */
  health(): NatsHealth {
    const { state, server, reconnects, lastError, since } = this;
    const health: NatsHealth = { connected: state === 'connected', state, server, reconnects, lastError, since };
    if (this.streamProblems.size > 0) health.streams = [...this.streamProblems].map(([stream, error]) => ({ stream, error }));
    return health;
  }

  /** True while a server connection is up. */
  isConnected(): boolean {
    return this.state === 'connected' && this.client !== undefined;
  }

  /** Server INFO of the current (or last) connection; undefined before the first connect. */
  serverInfo(): NatsClient['info'] {
    return this.client?.info;
  }

  /**
   * The connected client, waiting up to `timeoutMs` for a (re)connection; rejects with NATS_UNAVAILABLE
   * after the timeout, on close, or when `signal` aborts. `timeoutMs` 0 = fail fast when not connected now.
   */
  async connected(timeoutMs = this.requestTimeoutMs, signal?: AbortSignal): Promise<NatsClient> {
    if (this.client && this.isConnected()) return this.client;
    if (this.closing) throw natsUnavailable('NATS connection is closed');
    this.start();
    if (timeoutMs <= 0) throw natsUnavailable(`NATS is ${this.state}`, this.lastError);
    return new Promise<NatsClient>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.listeners.delete(onChange);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(this.client as NatsClient);
      };
      const onChange = (): void => {
        if (this.isConnected()) finish();
        else if (this.closing) finish(natsUnavailable('NATS connection is closed'));
      };
      const onAbort = (): void => finish(natsUnavailable('wait for NATS aborted'));
      const timer = setTimeout(() => finish(natsUnavailable(`NATS still ${this.state} after ${timeoutMs} ms`, this.lastError)), timeoutMs);
      this.listeners.add(onChange);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
    });
  }

  /** JetStream client of the current connection (waits like connected()). */
  async jetstream(timeoutMs?: number, signal?: AbortSignal): Promise<JetStreamClient> {
    const client = await this.connected(timeoutMs, signal);
    if (this.js?.client !== client) this.js = { client, js: jetstream(client, { timeout: this.requestTimeoutMs }) };
    return this.js.js;
  }

  /** Track one of this node's ensure-stream calls: a failure stays in health() until the stream is ensured. */
  async trackStream<T>(stream: string, work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      this.streamProblems.delete(stream);
      return result;
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      this.streamProblems.set(stream, typeof code === 'string' && err instanceof Error ? `${code}: ${err.message}` : errorMessage(err));
      throw err;
    }
  }

  /** JetStream manager of the current connection; skips the account-info probe (a restricted user may not call it). */
  async jetstreamManager(timeoutMs?: number, signal?: AbortSignal): Promise<JetStreamManager> {
    await this.jetstream(timeoutMs, signal);
    const cache = this.js as { client: NatsClient; js: JetStreamClient; jsm?: JetStreamManager };
    cache.jsm ??= await jetstreamManager(cache.client, { timeout: this.requestTimeoutMs, checkAPI: false });
    return cache.jsm;
  }

  /** Close the connection for good (pending acks are flushed first). Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    this.notify();
    const client = this.client;
    if (client && !client.isClosed()) {
      // Flush pending acks while connected, bounded so that close() never waits on a server that stopped answering.
      if (this.state === 'connected') await withTimeout(client.flush(), 1_000).catch(() => undefined);
      await client.close();
    }
    await this.connecting?.catch(() => undefined);
    this.setState('closed');
  }

  /** @internal Nest hook: connect in the background, so the node boots (and reports health) while NATS is down. */
  onModuleInit(): void {
    this.start();
  }

  /** @internal Nest hook. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async connectLoop(): Promise<void> {
    const wait = this.options.reconnectTimeWaitMs ?? 1_000;
    while (!this.closing) {
      try {
        const client = await connect({
          servers: this.options.natsUrl,
          name: this.options.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: wait,
          pingInterval: this.options.pingIntervalMs ?? 20_000,
          timeout: this.requestTimeoutMs,
          user: this.options.user,
          pass: this.options.pass,
          token: this.options.token,
          authenticator: this.options.nkeySeed ? nkeyAuthenticator(new TextEncoder().encode(this.options.nkeySeed)) : undefined,
          inboxPrefix: this.options.inboxPrefix,
        });
        if (this.closing) {
          await client.close();
          return;
        }
        this.attach(client);
        return;
      } catch (err) {
        this.lastError = errorMessage(err);
        await this.pause(wait);
      }
    }
  }

  private attach(client: NatsClient): void {
    this.client = client;
    this.server = client.getServer();
    this.setState('connected');
    void this.watch(client);
    void client.closed().then((err) => {
      if (err) this.lastError = errorMessage(err);
      if (this.client === client) this.client = undefined;
      this.setState('closed');
      // The client gave up on its own (e.g. auth revoked mid-flight): start over, we reconnect forever.
      if (!this.closing) this.start();
    });
  }

  private async watch(client: NatsClient): Promise<void> {
    try {
      for await (const status of client.status()) this.onStatus(status);
    } catch (err) {
      this.lastError = errorMessage(err);
    }
  }

  private onStatus(status: Status): void {
    switch (status.type) {
      case 'disconnect':
        this.lastError = `disconnected from ${status.server}`;
        this.setState('disconnected');
        break;
      case 'reconnecting':
        if (this.state !== 'reconnecting') this.setState('reconnecting');
        break;
      case 'reconnect':
        this.reconnects += 1;
        this.server = status.server;
        this.setState('connected');
        break;
      case 'error':
        this.lastError = errorMessage(status.error);
        break;
      case 'staleConnection':
        this.lastError = 'stale connection (server stopped answering pings)';
        break;
      case 'ldm':
        this.lastError = `server ${status.server} entered lame duck mode`;
        break;
      default:
        break;
    }
  }

  private setState(state: NatsState): void {
    if (this.state !== state) {
      // A lost broker must be visible in the logs as well as in health(), never silent.
      if (state === 'connected') this.logger.log(`NATS connected to ${this.server ?? 'server'}`);
      else if (state !== 'closed' && this.state === 'connected') this.logger.warn(`NATS ${state}: ${this.lastError ?? 'connection lost'}`);
      this.state = state;
      this.since = new Date().toISOString();
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Sleep between first-connect attempts, cut short by close(). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(onChange);
        resolve();
      };
      const onChange = (): void => {
        if (this.closing) done();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(onChange);
    });
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
