import { performance } from 'node:perf_hooks';
import { parseBundleBytes, readPublicKey, verifyDetached } from '@palermo/bundles';
import { connectDb } from './bench.db';

/** One bundle exactly as A stored and published it. */
export interface PublishedBundle {
  hash: string;
  audience: string;
  bytes: Uint8Array;
  signature: Uint8Array;
  signer: string;
  upserts: number;
}

/** Time spent on a check over every bundle, and on how many indicators. */
export interface CheckResult {
  ms: number;
  bundles: number;
  indicators: number;
}

/**
 * A's outbound bundles of one chain, in chain order. Held in memory (they are the ~40 MB the wire carried) so
 * that database reads stay out of the transport and verify timings.
 */
export async function loadPublishedBundles(databaseUrl: string, audience: string): Promise<PublishedBundle[]> {
  const client = await connectDb(databaseUrl);
  try {
    const { rows } = await client.query<{ hash: string; audience: string; bytes: Buffer; signature: Buffer; signer: string; upsert_count: number }>(
      `select hash, audience, bytes, signature, signer, upsert_count from bundle where direction = 'out' and audience = $1 order by pos`,
      [audience],
    );
    return rows.map((r) => ({ hash: r.hash, audience: r.audience, bytes: new Uint8Array(r.bytes), signature: new Uint8Array(r.signature), signer: r.signer, upserts: r.upsert_count }));
  } finally {
    await client.end();
  }
}

function count(bundles: PublishedBundle[]): { bundles: number; indicators: number } {
  return { bundles: bundles.length, indicators: bundles.reduce((n, b) => n + b.upserts, 0) };
}

/** openpgp detached-signature verification of every bundle with the publisher's key (read once; one warm-up). */
export async function benchVerify(bundles: PublishedBundle[], armoredPublicKey: string): Promise<CheckResult> {
  const key = await readPublicKey(armoredPublicKey);
  await verifyDetached(bundles[0].bytes, bundles[0].signature, key);
  let ms = 0;
  for (const b of bundles) {
    const t0 = performance.now();
    const result = await verifyDetached(b.bytes, b.signature, key);
    ms += performance.now() - t0;
    if (!result.ok) throw new Error(`bundle ${b.hash} does not verify: ${result.code} ${result.message}`);
  }
  return { ms, ...count(bundles) };
}

/** parseBundleBytes (UTF-8, JSON, envelope + wire schema per indicator, canonical re-encoding) of every bundle. */
export function benchParse(bundles: PublishedBundle[], maxBytes: number): CheckResult {
  parseBundleBytes(bundles[0].bytes, { maxBytes });
  let ms = 0;
  for (const b of bundles) {
    const t0 = performance.now();
    const parsed = parseBundleBytes(b.bytes, { maxBytes });
    ms += performance.now() - t0;
    if (!parsed.ok) throw new Error(`bundle ${b.hash} does not parse: ${parsed.code} ${parsed.message}`);
  }
  return { ms, ...count(bundles) };
}
