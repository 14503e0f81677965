import { v7 as uuidv7 } from 'uuid';
import { DomainError } from '@palermo/indicators';
import { canonicalBytes, canonicalJson } from './bundle.codec';
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
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= MAX_ENVELOPE_BYTES) {
    throw new DomainError('BUNDLE_LIMIT_INVALID', `maxBytes must be an integer above ${MAX_ENVELOPE_BYTES}, got ${maxBytes}`);
  }
  const bundles: Bundle[] = [];
  let chunk: BundleEntry[] = [];
  let chunkBytes = MAX_ENVELOPE_BYTES;
  const flush = (): void => {
    bundles.push(makeChecked(chunk, maxBytes, make));
    chunk = [];
    chunkBytes = MAX_ENVELOPE_BYTES;
  };
  entries.forEach((entry, index) => {
    const size = Buffer.byteLength(canonicalJson(entry), 'utf8');
    if (MAX_ENVELOPE_BYTES + size > maxBytes) {
      throw new DomainError('ENTRY_TOO_LARGE', `entry ${index} is ${size} bytes; a bundle holds at most ${maxBytes - MAX_ENVELOPE_BYTES}`, { index, size });
    }
    // +1: the comma between array elements.
    if (chunk.length > 0 && chunkBytes + 1 + size > maxBytes) flush();
    chunkBytes += (chunk.length > 0 ? 1 : 0) + size;
    chunk.push(entry);
  });
  if (chunk.length > 0) flush();
  return bundles;
}

function makeChecked(chunk: BundleEntry[], maxBytes: number, make: (entries: BundleEntry[]) => Bundle): Bundle {
  const bundle = make(chunk);
  // Only a make() that strays from wire v1 (longer ids, a different date format) can get here.
  const size = canonicalBytes(bundle).length;
  if (size > maxBytes || bundle.entries.length !== chunk.length) {
    throw new DomainError('BUNDLE_OVERSIZE', `make() returned a bundle of ${size} bytes with ${bundle.entries.length} of ${chunk.length} entries`);
  }
  return bundle;
}
