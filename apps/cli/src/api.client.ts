import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { DomainError } from '@palermo/indicators';
import { UsageError, nodeConfig, type NodeDirOptions } from './node-env';

/** How CLI commands reach a running node: its API URL and a bearer token. */
export interface ApiOptions extends NodeDirOptions {
  api?: string;
  token?: string;
}

/** A small client for a running node's /api/v1 (the node holds an embedded database exclusively). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** --api, PALERMO_API_URL, or the port in the node's config; --token or PALERMO_TOKEN. */
  static from(opts: ApiOptions): ApiClient {
    const token = opts.token ?? process.env.PALERMO_TOKEN;
    if (!token) throw new UsageError('no token: pass --token TOKEN (or set PALERMO_TOKEN); `palermo tokens create` makes one');
    const api = opts.api ?? process.env.PALERMO_API_URL ?? `http://127.0.0.1:${nodeConfig(opts).port}`;
    if (!/^https?:\/\/[^\s]+$/.test(api)) throw new UsageError(`--api ${api}: expected http(s)://host:port`);
    return new ApiClient(api.replace(/\/+$/, ''), token);
  }

  /**
   * A raw GET of /api/v1 + path for a streamed answer; the caller reads status, headers and body.
   * node:http rather than fetch: fetch's body stream re-copies the socket's buffered chunks on
   * every read, so a bundle of 100 MB arriving in many small writes cost minutes of CPU in the CLI.
   */
  download(path: string): Promise<IncomingMessage> {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    return new Promise((resolve, reject) => {
      const req = get(url, { headers: { authorization: `Bearer ${this.token}` } }, resolve);
      req.once('error', (err) => reject(new DomainError('NODE_UNREACHABLE', `cannot reach ${this.baseUrl} (${err.message}); is the node running?`)));
    });
  }

  /** Calls the API; a non-2xx answer becomes a DomainError with the node's code and message. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const headers = { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    return this.send<T>(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  /**
   * Sends a request body as a stream (a file of any size is never read whole); `duplex: 'half'` is
   * what fetch needs for a streamed body.
   */
  async stream<T = unknown>(method: string, path: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<T> {
    const headers = { authorization: `Bearer ${this.token}`, 'content-type': contentType };
    return this.send<T>(path, { method, headers, body, duplex: 'half' } as RequestInit);
  }

  private async send<T>(path: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/v1${path}`, init);
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new DomainError('NODE_UNREACHABLE', `cannot reach ${this.baseUrl} (${(err as Error).message}${cause ? `: ${cause}` : ''}); is the node running?`);
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error ?? {};
      throw new DomainError(error.code ?? `HTTP_${res.status}`, error.message ?? text.slice(0, 500), error.details);
    }
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
