import { v7 as uuidv7 } from 'uuid';
import { DomainError } from '@palermo/indicators';
import { bundleHash, canonicalBytes, canonicalJson } from './bundle.codec';
import { describeErrors, parseEnvelope } from './bundle.schema';
import { BUNDLE_SPEC, type Bundle, type BundleEntry } from './bundle.types';

/** What a publisher decides about a new bundle; id and createdAt are minted when absent. */
export interface BuildBundleInput {
  /** The publishing node id. */
  publisher: string;
  /** A partner node id or "all". */
  audience: string;
  /** 1, 2, … within the (publisher, audience) chain. */
  seq: number;
  /** Hash of the previous bundle of the chain; null at seq 1. */
  prev: string | null;
  /** Upserts and revocations, in the order the importer should apply them. */
  entries: readonly BundleEntry[];
  /** uuid v7; minted when absent. */
  id?: string;
  /** ISO 8601 UTC with milliseconds; now when absent. */
  createdAt?: string;
}

/**
 * Assembles a wire v1 bundle and checks its envelope (not the indicators, which come from this
 * node's own validated store). Throws DomainError BUNDLE_INVALID with field errors in `details`.
 */
export function buildBundle(input: BuildBundleInput): Bundle {
  const bundle: Bundle = {
    spec: BUNDLE_SPEC,
    id: input.id ?? uuidv7(),
    publisher: input.publisher,
    audience: input.audience,
    seq: input.seq,
    prev: input.prev,
    createdAt: input.createdAt ?? new Date().toISOString(),
    entries: [...input.entries],
  };
  const checked = parseEnvelope(bundle);
  if (!checked.ok) {
    throw new DomainError('BUNDLE_INVALID', `cannot build bundle: ${describeErrors(checked.errors)}`, checked.errors);
  }
  return bundle;
}

// The largest envelope wire v1 allows (longest node ids, a prev hash, a 16-digit seq), with no
// entries. Splitting budgets against it, so make() is never asked to rebuild a chunk that
// turned out too big, and a chunk's size does not depend on which seq/prev it ends up with.
const LARGEST_ENVELOPE: Bundle = {
  spec: BUNDLE_SPEC,
  id: '00000000-0000-7000-8000-000000000000',
  publisher: 'x'.repeat(32),
  audience: 'x'.repeat(32),
  seq: Number.MAX_SAFE_INTEGER,
  prev: 'f'.repeat(64),
  createdAt: '2000-01-01T00:00:00.000Z',
  entries: [],
};
/** Upper bound of the canonical size of a bundle without its entries. */
export const MAX_ENVELOPE_BYTES = canonicalBytes(LARGEST_ENVELOPE).length;

/** A bundle with its canonical bytes and their hash, made once: what is signed, stored and published. */
export interface EncodedBundle {
  /** The bundle as make() returned it. */
  bundle: Bundle;
  /** canonicalBytes(bundle), assembled from each entry's canonical JSON made while sizing. */
  bytes: Uint8Array;
  /** bundleHash(bytes). */
  hash: string;
}

/**
 * Splits entries, in order, into as few consecutive chunks as fit greedily, so that every bundle's
 * canonical bytes stay ≤ maxBytes. `make` is called exactly once per chunk, in order, so it may
 * advance the chain (seq, prev = hash of the bundle it made before). An entry that cannot fit
 * even alone throws DomainError ENTRY_TOO_LARGE (with its index in `details`).
 */
export function splitIntoBundles(
  entries: readonly BundleEntry[],
  maxBytes: number,
  make: (entries: BundleEntry[]) => Bundle,
): Bundle[] {
  return Array.from(encodeIntoBundles(entries, maxBytes, (chunk) => make(chunk)), (encoded) => encoded.bundle);
}

/**
 * splitIntoBundles, lazily, with each bundle's canonical bytes and hash: every entry is
 * canonicalized once (to size it, then reused for the bytes), and the next chunk is only cut
 * and made when the caller asks for it. `make` also gets the bundle made just before (null for
 * the first), so it can link the chain without hashing again.
 */
export function* encodeIntoBundles(
  entries: readonly BundleEntry[],
  maxBytes: number,
  make: (entries: BundleEntry[], previous: EncodedBundle | null) => Bundle,
): Generator<EncodedBundle, void, undefined> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= MAX_ENVELOPE_BYTES) {
    throw new DomainError('BUNDLE_LIMIT_INVALID', `maxBytes must be an integer above ${MAX_ENVELOPE_BYTES}, got ${maxBytes}`);
  }
  let previous: EncodedBundle | null = null;
  let chunk: BundleEntry[] = [];
  let texts: string[] = [];
  let chunkBytes = MAX_ENVELOPE_BYTES;
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    const text = canonicalJson(entry);
    const size = Buffer.byteLength(text, 'utf8');
    if (MAX_ENVELOPE_BYTES + size > maxBytes) {
      throw new DomainError('ENTRY_TOO_LARGE', `entry ${index} is ${size} bytes; a bundle holds at most ${maxBytes - MAX_ENVELOPE_BYTES}`, { index, size });
    }
    // +1: the comma between array elements.
    if (chunk.length > 0 && chunkBytes + 1 + size > maxBytes) {
      previous = makeEncoded(chunk, texts, maxBytes, make, previous);
      yield previous;
      chunk = [];
      texts = [];
      chunkBytes = MAX_ENVELOPE_BYTES;
    }
    chunkBytes += (chunk.length > 0 ? 1 : 0) + size;
    chunk.push(entry);
    texts.push(text);
  }
  if (chunk.length > 0) yield makeEncoded(chunk, texts, maxBytes, make, previous);
}

function makeEncoded(
  chunk: BundleEntry[],
  texts: readonly string[],
  maxBytes: number,
  make: (entries: BundleEntry[], previous: EncodedBundle | null) => Bundle,
  previous: EncodedBundle | null,
): EncodedBundle {
  const bundle = make(chunk, previous);
  const bytes = encodeWithEntryTexts(bundle, chunk, texts);
  // Only a make() that strays from wire v1 (longer ids, a different date format) can get here.
  if (bytes.length > maxBytes || bundle.entries.length !== chunk.length) {
    throw new DomainError('BUNDLE_OVERSIZE', `make() returned a bundle of ${bytes.length} bytes with ${bundle.entries.length} of ${chunk.length} entries`);
  }
  return { bundle, bytes, hash: bundleHash(bytes) };
}

const encoder = new TextEncoder();
const EMPTY_ENTRIES = '"entries":[]';

/**
 * canonicalBytes(bundle) without canonicalizing the entries again. RFC 8785 serializes an array
 * as its members' serializations joined by commas, so the bundle's text is the canonical text of
 * its envelope with `"entries":[]` filled in. Taken only when the envelope holds scalars alone
 * (then that is the one `"entries":[` outside a string: quotes inside strings are escaped) and the
 * bundle carries exactly the entries that were sized; otherwise the whole bundle is canonicalized.
 */
function encodeWithEntryTexts(bundle: Bundle, chunk: readonly BundleEntry[], texts: readonly string[]): Uint8Array {
  const { entries, ...envelope } = bundle;
  const same = entries.length === chunk.length && entries.every((entry, i) => entry === chunk[i]);
  if (!same || !Object.values(envelope).every(isScalar)) return canonicalBytes(bundle);
  const head = canonicalJson({ ...envelope, entries: [] });
  const at = head.indexOf(EMPTY_ENTRIES);
  if (at < 0) return canonicalBytes(bundle);
  return encoder.encode(`${head.slice(0, at)}"entries":[${texts.join(',')}]${head.slice(at + EMPTY_ENTRIES.length)}`);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
