import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { canonicalBytes, generateNodeKey, readPrivateKey, type NodePrivateKey } from '@palermo/bundles';
import { bundleAt, freshMsgId, sha256, signedBundle, signedMessage, wireIndicator, type RawFeedMessage } from './hostile.bundle-factory';

// The hostile messages of tests/e2e/hostile-bundles.spec.ts, one table row each: what an attacker
// with publish rights on nl-police's feed subjects sends, and the reason de-bka must quarantine it for.

/** The publisher whose feed is attacked. */
export const A = 'nl-police';
/** The subscriber under attack. */
export const B = 'de-bka';
/** de-bka's PALERMO_IMPORT_MAX_BYTES in the suite (small, so an oversize message is cheap to make). */
export const IMPORT_MAX_BYTES = 65_536;
/** A second partner that de-bka pins during the test; we hold its key (to sign as it, and to stand in for it). */
export const OTHER = 'us-hsi';

/** The head of a chain: its last seq and that bundle's hash. */
export interface Head {
  seq: number;
  hash: string;
}

/** A signing key and its fingerprint. */
export interface Signer {
  key: NodePrivateKey;
  fingerprint: string;
}

/** What every hostile case may use: A's real key, the real chain head, keys nobody pinned, us-hsi's pinned key. */
export interface Ctx extends Signer {
  head: Head;
  impostor: Signer;
  stranger: Signer;
  pinnedOther: Signer;
}

/** One hostile message, the chain it goes on, and the quarantine reason it must get. */
export interface HostileCase {
  name: string;
  /** Chain (subject audience) the message is put on. */
  audience: string;
  make(ctx: Ctx): Promise<RawFeedMessage>;
  code: string;
  message: RegExp;
}

const next = (ctx: Ctx) => ({ publisher: A, audience: B, seq: ctx.head.seq + 1, prev: ctx.head.hash });
const one = (overrides: Parameters<typeof wireIndicator>[1] = {}) => [wireIndicator(A, overrides)];
/** The same payload with headers changed (undefined removes one) and a fresh Nats-Msg-Id. */
export const withHeaders = (msg: RawFeedMessage, headers: Record<string, string | undefined>): RawFeedMessage => {
  const merged: Record<string, string> = { ...msg.headers, 'Nats-Msg-Id': freshMsgId('hostile') };
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return { payload: msg.payload, headers: merged };
};

/** The correct next bundle of the chain, signed by A, with one byte of an indicator value changed afterwards. */
async function tamperedNext(ctx: Ctx): Promise<RawFeedMessage> {
  const honest = await signedBundle(bundleAt(next(ctx), one({ value: `tampered-${randomBytes(3).toString('hex')}@example.org` })), ctx.key, ctx.fingerprint);
  const payload = Buffer.from(honest.payload);
  const at = payload.indexOf('tampered-');
  payload[at] = 'u'.charCodeAt(0); // still valid JSON, canonical, normalized: only the signature can tell
  return { payload, headers: honest.headers };
}
let tampered: Promise<RawFeedMessage> | undefined;

/** Every hostile message the suite injects on nl-police's chains addressed to de-bka. */
export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'tampered payload, headers of the original',
    audience: B,
    make: (ctx) => (tampered ??= tamperedNext(ctx)),
    code: 'BUNDLE_HASH_MISMATCH',
    message: /does not match the payload's SHA-256/,
  },
  {
    name: 'tampered payload with Palermo-Hash recomputed (only the signature can tell)',
    audience: B,
    make: async (ctx) => {
      const msg = await (tampered ??= tamperedNext(ctx));
      return withHeaders(msg, { 'Palermo-Hash': sha256(msg.payload) });
    },
    code: 'BUNDLE_SIGNATURE_INVALID',
    message: /signature does not verify/,
  },
  {
    name: "the correct next bundle signed by an unpinned key that claims to be nl-police's",
    audience: B,
    make: (ctx) => signedBundle(bundleAt(next(ctx), one()), ctx.impostor.key, ctx.impostor.fingerprint),
    code: 'BUNDLE_SIGNER_MISMATCH',
    message: /signed by key id [0-9a-f]{16}, expected key [0-9a-f]{40}/,
  },
  {
    name: "a bundle of unknown publisher zz-unknown on nl-police's feed",
    audience: B,
    make: (ctx) =>
      signedBundle(bundleAt({ publisher: 'zz-unknown', audience: B, seq: 1, prev: null }, [wireIndicator('zz-unknown')]), ctx.stranger.key, ctx.stranger.fingerprint),
    code: 'BUNDLE_PUBLISHER_MISMATCH',
    message: /claims publisher zz-unknown but arrived on nl-police's feed/,
  },
  {
    name: "a bundle of another pinned partner (us-hsi, correctly signed by us-hsi) on nl-police's feed",
    audience: B,
    make: (ctx) =>
      signedBundle(bundleAt({ publisher: OTHER, audience: B, seq: 1, prev: null }, [wireIndicator(OTHER)]), ctx.pinnedOther.key, ctx.pinnedOther.fingerprint),
    code: 'BUNDLE_PUBLISHER_MISMATCH',
    message: /claims publisher us-hsi but arrived on nl-police's feed/,
  },
  {
    name: 'a chain gap: seq = head + 2, signed by nl-police',
    audience: B,
    make: (ctx) => signedBundle(bundleAt({ ...next(ctx), seq: ctx.head.seq + 2 }, one()), ctx.key, ctx.fingerprint),
    code: 'CHAIN_SEQ_GAP',
    message: /expected seq \d+, got \d+ \(missing \d+\)/,
  },
  {
    name: 'the next seq with a wrong prev, signed by nl-police',
    audience: B,
    make: (ctx) => signedBundle(bundleAt({ ...next(ctx), prev: sha256(Buffer.from('a forked chain')) }, one()), ctx.key, ctx.fingerprint),
    code: 'CHAIN_PREV_MISMATCH',
    message: new RegExp(`names prev ${sha256(Buffer.from('a forked chain'))}, but the chain head is [0-9a-f]{64}`),
  },
  {
    name: 'a competing bundle at an already-used seq, signed by nl-police',
    audience: B,
    make: (ctx) =>
      signedBundle(bundleAt({ publisher: A, audience: B, seq: ctx.head.seq, prev: ctx.head.seq === 1 ? null : ctx.head.hash }, one()), ctx.key, ctx.fingerprint),
    code: 'CHAIN_SEQ_REPLAY',
    message: /was already used/,
  },
  {
    name: `an oversize message (> PALERMO_IMPORT_MAX_BYTES=${IMPORT_MAX_BYTES})`,
    audience: B,
    make: (ctx) => {
      const indicators = Array.from({ length: 220 }, () => wireIndicator(A, { description: 'x'.repeat(200) }));
      const bundle = bundleAt(next(ctx), indicators);
      expect(canonicalBytes(bundle).length).toBeGreaterThan(IMPORT_MAX_BYTES);
      return signedBundle(bundle, ctx.key, ctx.fingerprint);
    },
    code: 'BUNDLE_OVERSIZE',
    message: new RegExp(`exceeds the limit of ${IMPORT_MAX_BYTES}`),
  },
  {
    name: 'malformed JSON (a truncated bundle)',
    audience: B,
    make: (ctx) => signedMessage(Buffer.from(`{"audience":"${B}","entries":[{"op":"upsert","indicator":{`), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_MALFORMED_JSON',
    message: /not UTF-8 JSON/,
  },
  {
    name: 'an empty message',
    audience: B,
    make: (ctx) => signedMessage(Buffer.alloc(0), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_MALFORMED_JSON',
    message: /not UTF-8 JSON/,
  },
  {
    name: 'bytes that are not UTF-8',
    audience: B,
    make: (ctx) => signedMessage(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_MALFORMED_JSON',
    message: /not UTF-8 JSON/,
  },
  {
    name: 'a schema-invalid indicator: a phone number that is not E.164',
    audience: B,
    make: (ctx) => signedBundle(bundleAt(next(ctx), one({ type: 'phone', value: '0612345678' })), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_SCHEMA_INVALID',
    message: /entries\[0\]\.indicator\.value/,
  },
  {
    name: 'a schema-invalid indicator: an unknown type',
    audience: B,
    make: (ctx) => signedBundle(bundleAt(next(ctx), one({ type: 'sms' as never, value: '+31612345678' })), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_SCHEMA_INVALID',
    message: /entries\[0\]\.indicator\.type/,
  },
  {
    name: 'non-canonical JSON (pretty-printed), signed by nl-police',
    audience: B,
    make: (ctx) => signedMessage(Buffer.from(JSON.stringify(bundleAt(next(ctx), one()), null, 2)), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_NOT_CANONICAL',
    message: /not the RFC 8785 form of the bundle/,
  },
  {
    name: 'the correct next bundle without a Palermo-Signature header',
    audience: B,
    make: async (ctx) => withHeaders(await signedBundle(bundleAt(next(ctx), one()), ctx.key, ctx.fingerprint), { 'Palermo-Signature': undefined }),
    code: 'BUNDLE_SIGNATURE_MISSING',
    message: /Palermo-Signature header is absent/,
  },
  {
    name: 'a Palermo-Signature header that is not base64',
    audience: B,
    make: async (ctx) => withHeaders(await signedBundle(bundleAt(next(ctx), one()), ctx.key, ctx.fingerprint), { 'Palermo-Signature': '%%% not base64 %%%' }),
    code: 'BUNDLE_SIGNATURE_INVALID',
    message: /not valid base64/,
  },
  {
    name: 'a Palermo-Signature header of random bytes',
    audience: B,
    make: async (ctx) =>
      withHeaders(await signedBundle(bundleAt(next(ctx), one()), ctx.key, ctx.fingerprint), { 'Palermo-Signature': randomBytes(119).toString('base64') }),
    code: 'BUNDLE_SIGNATURE_INVALID',
    message: /not an OpenPGP signature/,
  },
  {
    name: "a bundle addressed to de-bka put on nl-police's community chain",
    audience: 'all',
    make: (ctx) => signedBundle(bundleAt({ ...next(ctx), seq: 1, prev: null }, one({ tlp: 'clear' })), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_AUDIENCE_MISMATCH',
    message: /addressed to de-bka but arrived on the all chain/,
  },
  {
    name: "a bundle addressed to us-hsi put on de-bka's chain",
    audience: B,
    make: (ctx) => signedBundle(bundleAt({ ...next(ctx), audience: 'us-hsi', seq: 1, prev: null }, one()), ctx.key, ctx.fingerprint),
    code: 'BUNDLE_AUDIENCE_MISMATCH',
    message: /addressed to us-hsi but arrived on the de-bka chain/,
  },
];

/** A message whose quarantine record itself is hostile, on a chain of its own. */
export interface PoisonCase {
  name: string;
  publisher: string;
  audience: string;
  make(signer: Signer): Promise<RawFeedMessage>;
  code: string;
}
export const POISON_CASES: PoisonCase[] = [
  {
    name: 'malformed JSON with a NUL byte (JSON.parse quotes it in its error message)',
    publisher: A,
    audience: B,
    make: (signer) => signedMessage(Buffer.from('{"spec":\u0000}'), signer.key, signer.fingerprint),
    code: 'BUNDLE_MALFORMED_JSON',
  },
  {
    name: 'a bundle with an unknown field whose name holds a NUL (the schema error names the field)',
    publisher: OTHER,
    audience: B,
    make: (signer) => {
      const bundle = { ...bundleAt({ publisher: OTHER, audience: B, seq: 1, prev: null }, [wireIndicator(OTHER)]), 'evil\u0000field': 1 };
      return signedMessage(canonicalBytes(bundle as never), signer.key, signer.fingerprint);
    },
    code: 'BUNDLE_SCHEMA_INVALID',
  },
  {
    name: 'a NUL inside a header value (headers are stored as jsonb)',
    publisher: OTHER,
    audience: 'all',
    make: async (signer) => withHeaders(await signedMessage(Buffer.from('not json at all'), signer.key, signer.fingerprint), { 'X-Evil': 'a\u0000b' }),
    code: 'BUNDLE_MALFORMED_JSON',
  },
];

/** Fresh key material for a node id (a key nobody pinned, or one we pin ourselves). */
export async function keyMaterial(nodeId: string, jurisdiction: string) {
  const made = await generateNodeKey({ nodeId, jurisdiction });
  return { key: await readPrivateKey(made.armoredPrivateKey), fingerprint: made.fingerprint, armoredPublicKey: made.armoredPublicKey };
}
