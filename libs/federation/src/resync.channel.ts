import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { FEED_HEADERS } from './feed.publisher';
import { errorMessage, isTransientNatsError } from './federation.errors';
import { assertAudience, assertNodeId, feedSubject, resyncSubject } from './federation.subjects';
import type { FeedMessage, FeedPublishInput } from './federation.types';
import type { NatsConnection } from './nats.connection';
import { serveRequests, type ServedRequest } from './request.server';

/** The spec tag of a resync answer (wire protocol v1). */
export const RESYNC_ANSWER_SPEC = 'palermo/resync-answer@1';
/** Room left under the server's max_payload for the reply's own framing. */
const REPLY_HEADROOM_BYTES = 1024;
const MAX_BUNDLES_PER_ANSWER = 1000;
const HASH = /^[0-9a-f]{64}$/;
const FINGERPRINT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** One bundle of a resync answer: exactly what the live feed carried for it, with its chain and stream seq. */
export interface ResyncBundle extends FeedPublishInput {
  /** Its seq in the chain. */
  seq: number;
  /** Where the live feed stored it in the publisher's stream (null if unknown). */
  streamSeq: number | null;
}

/** A publisher's answer: bundles of one chain in seq order, or a refusal with a stable code. */
export type ResyncAnswer =
  | {
      ok: true;
      publisher: string;
      audience: string;
      /** The last published seq of the chain (null: nothing published on it yet). */
      headSeq: number | null;
      bundles: ResyncBundle[];
      /** True when bundles of the asked range were left out to stay under max_payload: ask again from the next seq. */
      more: boolean;
    }
  | { ok: false; code: string; message: string };

/** A request as the publisher's handler sees it: the raw bytes and the inbox the answer goes to. */
export type ResyncRequestMessage = ServedRequest;

/**
 * Resync over NATS request-reply. A publisher serves `palermo.v1.resync.<publisher>`; a subscriber
 * asks there and reads the answer in its own inbox. An answer is one message under the server's
 * max_payload: a length-prefixed JSON manifest followed by the bundles' payloads, byte for byte.
 */
export class ResyncChannel implements OnModuleDestroy {
  private readonly logger = new Logger('ResyncChannel');
  private readonly served = new Set<{ stop(): Promise<void> }>();

  constructor(private readonly connection: NatsConnection) {}

  /**
   * Answer requests for `publisher`'s chains, one at a time, until stopped. The handler decides;
   * this packs as many of its bundles as fit under max_payload (the rest: `more`).
   */
  serve(publisher: string, handler: (req: ResyncRequestMessage) => Promise<ResyncAnswer>): { ready: Promise<void>; stop(): Promise<void> } {
    return serveRequests(this.connection, this.logger, {
      subject: resyncSubject(publisher),
      label: { request: 'resync request', answer: 'resync answer' },
      maxInFlight: 1,
      handle: handler,
      onError: (): ResyncAnswer => ({ ok: false, code: 'RESYNC_UNAVAILABLE', message: 'the publisher could not answer now; ask again later' }),
      encode: (answer) => encodeResyncAnswer(answer, this.maxReplyBytes()),
      running: this.served,
    });
  }

  /**
   * Ask `publisher` (signed request bytes made by the caller). Throws RESYNC_UNREACHABLE when nobody
   * answers in time (publisher down, NATS down) and RESYNC_ANSWER_MALFORMED for an answer that does not parse.
   */
  async request(publisher: string, payload: Uint8Array, timeoutMs: number): Promise<ResyncAnswer> {
    const subject = resyncSubject(publisher);
    let data: Uint8Array;
    try {
      const client = await this.connection.connected(0);
      data = (await client.request(subject, payload, { timeout: timeoutMs })).data;
    } catch (err) {
      if (err instanceof DomainError || isTransientNatsError(err) || (err instanceof Error && /no responders|timeout/i.test(err.message))) {
        throw new DomainError('RESYNC_UNREACHABLE', `${publisher} did not answer on ${subject}: ${errorMessage(err)}`);
      }
      throw err;
    }
    return decodeResyncAnswer(data);
  }

  /** @internal Nest hook: stop answering before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.served].map((s) => s.stop()));
  }

  private maxReplyBytes(): number {
    return (this.connection.serverInfo()?.max_payload ?? 1024 * 1024) - REPLY_HEADROOM_BYTES;
  }
}

/** A resynced bundle as the importer sees a live one: same subject, payload and headers. */
export function resyncFeedMessage(bundle: ResyncBundle): FeedMessage {
  return {
    publisher: bundle.publisher,
    audience: bundle.audience,
    subject: feedSubject(bundle.publisher, bundle.audience),
    payload: bundle.payload,
    headers: {
      [FEED_HEADERS.msgId]: bundle.hash,
      [FEED_HEADERS.hash]: bundle.hash,
      [FEED_HEADERS.signer]: bundle.signerFingerprint,
      [FEED_HEADERS.signature]: Buffer.from(bundle.signature).toString('base64'),
      // An encrypted bundle is resent encrypted, and says to whom, exactly as the live feed does.
      ...(bundle.encryptedTo ? { [FEED_HEADERS.encrypted]: bundle.encryptedTo } : {}),
    },
    streamSeq: bundle.streamSeq ?? 0,
    redelivered: false,
    deliveryCount: 1,
  };
}

interface ManifestEntry {
  seq: number;
  hash: string;
  signer: string;
  signature: string;
  /** Fingerprint of the recipient key when the payload is encrypted; absent in clear. */
  encryptedTo?: string;
  streamSeq: number | null;
  size: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes an answer in at most `maxBytes`: bundles in order while they fit; `more` when some were left out. */
export function encodeResyncAnswer(answer: ResyncAnswer, maxBytes: number): Uint8Array {
  if (!answer.ok) return frame({ spec: RESYNC_ANSWER_SPEC, ok: false, code: answer.code, message: answer.message.slice(0, 1000) }, []);
  const { publisher, audience, headSeq } = answer;
  const kept: ResyncBundle[] = [];
  let more = answer.more;
  for (const bundle of answer.bundles) {
    const candidate = [...kept, bundle];
    if (frameSize(manifestOf(publisher, audience, headSeq, candidate, true), candidate) > maxBytes) {
      more = true;
      break;
    }
    kept.push(bundle);
  }
  if (kept.length === 0 && answer.bundles.length > 0) {
    return encodeResyncAnswer({ ok: false, code: 'RESYNC_ANSWER_TOO_LARGE', message: `bundle seq ${answer.bundles[0]!.seq} does not fit in one reply of ${maxBytes} bytes` }, maxBytes);
  }
  return frame(manifestOf(publisher, audience, headSeq, kept, more), kept.map((b) => b.payload));
}

/** Decodes an answer, checking every field; throws RESYNC_ANSWER_MALFORMED. */
export function decodeResyncAnswer(bytes: Uint8Array): ResyncAnswer {
  const bad = (why: string) => new DomainError('RESYNC_ANSWER_MALFORMED', `resync answer: ${why}`);
  if (bytes.length < 4) throw bad('too short');
  const length = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(0);
  if (length > bytes.length - 4) throw bad('manifest length beyond the message');
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as Record<string, unknown>;
  } catch (err) {
    throw bad(`manifest is not UTF-8 JSON (${errorMessage(err)})`);
  }
  if (!manifest || typeof manifest !== 'object' || manifest.spec !== RESYNC_ANSWER_SPEC) throw bad(`spec is not ${RESYNC_ANSWER_SPEC}`);
  if (manifest.ok === false) {
    if (typeof manifest.code !== 'string' || !CODE.test(manifest.code) || typeof manifest.message !== 'string') throw bad('a refusal needs a code and a message');
    return { ok: false, code: manifest.code, message: manifest.message.slice(0, 1000) };
  }
  const { publisher, audience, headSeq, more, bundles } = manifest as Record<string, unknown>;
  try {
    assertNodeId(publisher as string, 'publisher');
    assertAudience(audience as string);
  } catch (err) {
    throw bad(errorMessage(err));
  }
  if (!(headSeq === null || isSeq(headSeq)) || typeof more !== 'boolean' || !Array.isArray(bundles) || bundles.length > MAX_BUNDLES_PER_ANSWER) throw bad('head, more or bundles malformed');
  let offset = 4 + length;
  const out: ResyncBundle[] = [];
  for (const raw of bundles as ManifestEntry[]) {
    const ok =
      raw && isSeq(raw.seq) && typeof raw.hash === 'string' && HASH.test(raw.hash) && typeof raw.signer === 'string' && FINGERPRINT.test(raw.signer) &&
      typeof raw.signature === 'string' && raw.signature.length <= 16_384 && (raw.streamSeq === null || isSeq(raw.streamSeq)) && Number.isInteger(raw.size) && raw.size >= 0 &&
      (raw.encryptedTo === undefined || (typeof raw.encryptedTo === 'string' && FINGERPRINT.test(raw.encryptedTo)));
    if (!ok) throw bad('a bundle entry is malformed');
    if (offset + raw.size > bytes.length) throw bad('a bundle runs past the end of the message');
    if (out.length > 0 && raw.seq <= out[out.length - 1]!.seq) throw bad('bundles are not in seq order');
    out.push({
      publisher: publisher as string,
      audience: audience as string,
      seq: raw.seq,
      hash: raw.hash,
      signerFingerprint: raw.signer,
      signature: new Uint8Array(Buffer.from(raw.signature, 'base64')),
      streamSeq: raw.streamSeq,
      payload: bytes.slice(offset, offset + raw.size),
      ...(raw.encryptedTo ? { encryptedTo: raw.encryptedTo } : {}),
    });
    offset += raw.size;
  }
  if (offset !== bytes.length) throw bad('trailing bytes after the last bundle');
  return { ok: true, publisher: publisher as string, audience: audience as string, headSeq: headSeq as number | null, bundles: out, more };
}

function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

function manifestOf(publisher: string, audience: string, headSeq: number | null, bundles: ResyncBundle[], more: boolean): object {
  return {
    spec: RESYNC_ANSWER_SPEC,
    ok: true,
    publisher,
    audience,
    headSeq,
    more,
    bundles: bundles.map(
      (b): ManifestEntry => ({ seq: b.seq, hash: b.hash, signer: b.signerFingerprint, signature: Buffer.from(b.signature).toString('base64'), streamSeq: b.streamSeq, size: b.payload.byteLength, ...(b.encryptedTo ? { encryptedTo: b.encryptedTo } : {}) }),
    ),
  };
}

function frameSize(manifest: object, bundles: ResyncBundle[]): number {
  return 4 + encoder.encode(JSON.stringify(manifest)).byteLength + bundles.reduce((n, b) => n + b.payload.byteLength, 0);
}

function frame(manifest: object, payloads: Uint8Array[]): Uint8Array {
  const head = encoder.encode(JSON.stringify(manifest));
  const out = Buffer.alloc(4 + head.byteLength + payloads.reduce((n, p) => n + p.byteLength, 0));
  out.writeUInt32BE(head.byteLength, 0);
  out.set(head, 4);
  let offset = 4 + head.byteLength;
  for (const p of payloads) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
