import { connect, type Socket } from 'node:net';

// A hostile party does not use our client library: it speaks the NATS text protocol
// (https://docs.nats.io/reference/reference-protocols/nats-protocol) over a plain socket, so it can
// put any bytes and any headers on a feed subject. Keeping it free of @nats-io also keeps the layer
// rule "NATS only in libs/federation" true for the tests.

const CRLF = '\r\n';

/** JetStream's answer to a publish on a stream subject. */
export interface PubAck {
  stream: string;
  seq: number;
  duplicate?: boolean;
}

/** One message as stored in a stream (STREAM.MSG.GET). */
export interface StoredStreamMessage {
  subject: string;
  seq: number;
  data: Buffer;
  headers: string;
}

interface Reply {
  headers: string;
  payload: Buffer;
}

/** A minimal NATS client that can publish arbitrary bytes with arbitrary headers and make JetStream API requests. */
export class RawNatsClient {
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<string, (reply: Reply) => void>();
  private readonly subscriptions = new Map<string, (msg: { subject: string } & Reply) => void>();
  private next = 0;
  private readonly inbox = `_INBOX.hostile${process.pid}x${Date.now()}`;
  private failure?: Error;

  private constructor(private readonly socket: Socket) {}

  /** Connects to `nats://host:port` and completes the CONNECT/PING handshake. */
  static async connect(url: string): Promise<RawNatsClient> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    const client = new RawNatsClient(socket);
    socket.on('data', (chunk: Buffer) => client.onData(chunk));
    socket.on('error', (err) => (client.failure = err));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const connectOpts = { verbose: false, pedantic: false, lang: 'hostile-e2e', version: '0', protocol: 1, headers: true, no_responders: true };
    socket.write(`CONNECT ${JSON.stringify(connectOpts)}${CRLF}SUB ${client.inbox}.* 1${CRLF}`);
    await client.request('$JS.API.INFO', Buffer.from('')); // a round trip: the SUB is active
    return client;
  }

  /** Publishes raw bytes with raw headers on a subject and returns JetStream's PubAck (throws on a JetStream error). */
  async publish(subject: string, payload: Uint8Array, headers: Record<string, string>): Promise<PubAck> {
    const reply = await this.request(subject, Buffer.from(payload), headers);
    const answer = JSON.parse(reply.payload.toString('utf8'));
    if (answer.error) throw new Error(`JetStream refused the publish on ${subject}: ${JSON.stringify(answer.error)}`);
    return answer as PubAck;
  }

  /** Every message currently stored in a stream, in order. */
  async streamMessages(stream: string): Promise<StoredStreamMessage[]> {
    const info = await this.jsApi(`$JS.API.STREAM.INFO.${stream}`, {});
    const { first_seq: first, last_seq: last } = info.state as { first_seq: number; last_seq: number };
    const out: StoredStreamMessage[] = [];
    for (let seq = first; seq <= last && last > 0; seq++) {
      const got = await this.jsApi(`$JS.API.STREAM.MSG.GET.${stream}`, { seq });
      const m = got.message;
      out.push({ subject: m.subject, seq: m.seq, data: Buffer.from(m.data ?? '', 'base64'), headers: Buffer.from(m.hdrs ?? '', 'base64').toString('utf8') });
    }
    return out;
  }

  /**
   * Creates a feed stream the way FeedPublisher.ensureStream does (file storage, limits, 2 min
   * duplicate window): lets a test stand in for a partner that has not published yet.
   */
  async createStream(name: string, subjects: string[]): Promise<void> {
    await this.jsApi(`$JS.API.STREAM.CREATE.${name}`, {
      name,
      subjects,
      storage: 'file',
      retention: 'limits',
      duplicate_window: 120_000_000_000,
      num_replicas: 1,
    });
  }

  /**
   * A plain core-NATS subscription (no JetStream, no consumer): what an eavesdropper on the server,
   * or a node reading subjects it was never granted, would see. Resolves once the server has it.
   */
  async subscribe(subject: string, onMessage: (msg: { subject: string } & Reply) => void): Promise<void> {
    const sid = `sub${++this.next}`;
    this.subscriptions.set(sid, onMessage);
    this.socket.write(`SUB ${subject} ${sid}${CRLF}`);
    await this.request('$JS.API.INFO', Buffer.from('')); // a round trip: the SUB is active
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.end(resolve));
    this.socket.destroy();
  }

  private async jsApi(subject: string, body: object): Promise<any> {
    const reply = await this.request(subject, Buffer.from(JSON.stringify(body)));
    const answer = JSON.parse(reply.payload.toString('utf8'));
    if (answer.error) throw new Error(`${subject}: ${JSON.stringify(answer.error)}`);
    return answer;
  }

  private request(subject: string, payload: Buffer, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const replyTo = `${this.inbox}.${++this.next}`;
    const head = Buffer.from(`NATS/1.0${CRLF}${Object.entries(headers).map(([k, v]) => `${k}: ${v}${CRLF}`).join('')}${CRLF}`, 'utf8');
    const answer = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(replyTo);
        reject(new Error(`no reply to ${subject} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(replyTo, (reply) => {
        clearTimeout(timer);
        if (/^NATS\/1\.0 503/.test(reply.headers)) reject(new Error(`no responders for ${subject}`));
        else resolve(reply);
      });
    });
    this.socket.write(Buffer.concat([Buffer.from(`HPUB ${subject} ${replyTo} ${head.length} ${head.length + payload.length}${CRLF}`), head, payload, Buffer.from(CRLF)]));
    return answer;
  }

  // Protocol lines: INFO, +OK, -ERR, PING, PONG, MSG <subj> <sid> [reply] <n>, HMSG <subj> <sid> [reply] <h> <n>.
  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const eol = this.buffer.indexOf(CRLF);
      if (eol < 0) return;
      const line = this.buffer.subarray(0, eol).toString('utf8');
      const parts = line.split(' ');
      const op = parts[0]!.toUpperCase();
      if (op === 'MSG' || op === 'HMSG') {
        const total = Number(parts[parts.length - 1]);
        const headerLen = op === 'HMSG' ? Number(parts[parts.length - 2]) : 0;
        if (this.buffer.length < eol + 2 + total + 2) return; // wait for the whole body
        const body = this.buffer.subarray(eol + 2, eol + 2 + total);
        this.buffer = this.buffer.subarray(eol + 2 + total + 2);
        const reply = { headers: body.subarray(0, headerLen).toString('utf8'), payload: Buffer.from(body.subarray(headerLen)) };
        this.subscriptions.get(parts[2]!)?.({ subject: parts[1]!, ...reply });
        this.waiting.get(parts[1]!)?.(reply);
        this.waiting.delete(parts[1]!);
        continue;
      }
      this.buffer = this.buffer.subarray(eol + 2);
      if (op === 'PING') this.socket.write(`PONG${CRLF}`);
      if (op === '-ERR') this.failure = new Error(`NATS server: ${line}`);
    }
  }
}
