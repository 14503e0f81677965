import { headers as natsHeaders } from '@nats-io/nats-core';
import { DomainError } from '@palermo/indicators';
import { natsUnavailable } from './federation.errors';
import { feedStreamName, feedSubject } from './federation.subjects';
import { ensureOwnedStream, mapError, withDeadline } from './owned-stream';
import { feedStreamConfig } from './stream.configs';
import type { FeedPublishInput, FeedPublishResult } from './federation.types';
import type { NatsConnection } from './nats.connection';

/** Header names of a feed message (wire protocol v1). */
export const FEED_HEADERS = {
  /** JetStream dedupe key = bundle hash. */
  msgId: 'Nats-Msg-Id',
  /** Lower-case hex SHA-256 of the canonical bytes. */
  hash: 'Palermo-Hash',
  /** Fingerprint of the signing key. */
  signer: 'Palermo-Signer',
  /** Base64 of the binary detached signature. */
  signature: 'Palermo-Signature',
  /** Present when the payload is an OpenPGP message encrypted to this key (lower-case hex fingerprint). */
  encrypted: 'Palermo-Encrypted',
} as const;

export { FEED_DUPLICATE_WINDOW_MS } from './stream.configs';

const HASH = /^[0-9a-f]{64}$/;
const FINGERPRINT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Options of {@link FeedPublisher}. */
export interface FeedPublisherOptions {
  /** Stream replicas when creating a stream (1 on a single server; 3 in a cluster). */
  replicas?: number;
}

/** Where ensureStream() left the publisher's stream. */
export interface EnsuredStream {
  /** Stream name, PALERMO_FEED_<PUBLISHER>. */
  name: string;
  /** Its subjects. */
  subjects: string[];
  /** True when this call created it. */
  created: boolean;
}

/**
 * Publishes this node's bundles to its own feed stream. Every failure a later retry may cure is a
 * DomainError NATS_UNAVAILABLE (never a hang): the exporter keeps the bundle and tries again.
 */
export class FeedPublisher {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly connection: NatsConnection,
    private readonly options: FeedPublisherOptions = {},
  ) {}

  /**
   * Use the publisher's stream (STREAM.INFO); create it if missing where this node may (single.conf), else
   * STREAM_NOT_PROVISIONED — the operator creates it (`palermo nats provision`). Config: feedStreamConfig().
   */
  async ensureStream(publisher: string): Promise<EnsuredStream> {
    const config = feedStreamConfig(publisher, { replicas: this.options.replicas });
    const { subjects, created } = await ensureOwnedStream(this.connection, config, 'FEED_STREAM_CONFLICT');
    this.ensured.add(publisher);
    return { name: config.name, subjects, created };
  }

  /** Publish one bundle on `palermo.v1.feed.<publisher>.<audience>`, with the hash as Nats-Msg-Id. */
  async publish(input: FeedPublishInput): Promise<FeedPublishResult> {
    const subject = feedSubject(input.publisher, input.audience);
    assertPublishInput(input);
    // Fail fast while disconnected (a publish buffered by the client would race the exporter's retry);
    // only a first connect still in progress is worth waiting for.
    const firstConnect = this.connection.health().state === 'connecting';
    const client = await this.connection.connected(firstConnect ? this.connection.requestTimeoutMs : 0);
    const h = natsHeaders();
    h.set(FEED_HEADERS.hash, input.hash);
    h.set(FEED_HEADERS.signer, input.signerFingerprint);
    h.set(FEED_HEADERS.signature, Buffer.from(input.signature).toString('base64'));
    if (input.encryptedTo) h.set(FEED_HEADERS.encrypted, input.encryptedTo);
    const stream = feedStreamName(input.publisher);
    assertFits(input.payload.byteLength + headerBytes(h, input.hash, stream), client.info?.max_payload);
    if (!this.ensured.has(input.publisher)) await this.ensureStream(input.publisher);
    const js = await this.connection.jetstream(0);
    const timeout = this.connection.requestTimeoutMs;
    try {
      const ack = await withDeadline(
        js.publish(subject, input.payload, { msgID: input.hash, headers: h, timeout, expect: { streamName: stream } }),
        timeout + 1_000,
      );
      return { stream: ack.stream, streamSeq: ack.seq, duplicate: ack.duplicate === true };
    } catch (err) {
      // Nobody answered: the stream may be gone (e.g. a server with a fresh store); re-ensure next time.
      this.ensured.delete(input.publisher);
      throw mapError(err, `publishing ${input.hash} on ${subject}`);
    }
  }

  /** The server's max_payload (bytes; headers count too), from the last INFO. Throws NATS_UNAVAILABLE before the first connect. */
  maxPayload(): number {
    const info = this.connection.serverInfo();
    if (!info) throw natsUnavailable('not connected to NATS yet: max_payload unknown');
    return info.max_payload;
  }

}

function assertPublishInput(input: FeedPublishInput): void {
  if (typeof input.hash !== 'string' || !HASH.test(input.hash)) {
    throw new DomainError('INVALID_BUNDLE_HASH', 'hash must be 64 lower-case hex characters (SHA-256)');
  }
  if (typeof input.signerFingerprint !== 'string' || !FINGERPRINT.test(input.signerFingerprint)) {
    throw new DomainError('INVALID_SIGNER_FINGERPRINT', 'signerFingerprint must be a lower-case hex OpenPGP fingerprint');
  }
  if (input.encryptedTo !== undefined && (typeof input.encryptedTo !== 'string' || !FINGERPRINT.test(input.encryptedTo))) {
    throw new DomainError('INVALID_RECIPIENT_FINGERPRINT', 'encryptedTo must be a lower-case hex OpenPGP fingerprint');
  }
  if (!(input.payload instanceof Uint8Array) || !(input.signature instanceof Uint8Array) || input.signature.byteLength === 0) {
    throw new DomainError('INVALID_FEED_MESSAGE', 'payload and signature must be bytes (Uint8Array), signature non-empty');
  }
}

/** Bytes the header block takes on the wire: "NATS/1.0\r\n" + "Key: value\r\n"… + "\r\n" (Nats-Msg-Id and Nats-Expected-Stream included). */
function headerBytes(h: ReturnType<typeof natsHeaders>, msgId: string, stream: string): number {
  let size = 'NATS/1.0\r\n\r\n'.length;
  for (const key of h.keys()) size += key.length + 4 + Buffer.byteLength(h.get(key));
  size += FEED_HEADERS.msgId.length + 4 + msgId.length;
  size += 'Nats-Expected-Stream'.length + 4 + stream.length;
  return size;
}

function assertFits(size: number, maxPayload: number | undefined): void {
  if (maxPayload !== undefined && size > maxPayload) {
    throw new DomainError('FEED_PAYLOAD_TOO_LARGE', `message is ${size} bytes with headers; the server allows ${maxPayload}`, {
      size,
      maxPayload,
    });
  }
}
