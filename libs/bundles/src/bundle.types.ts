import type { WireIndicator } from '@palermo/indicators';

export const BUNDLE_SPEC = 'palermo/bundle@1';

/** An entry of a bundle: a new or changed indicator, or a permanent revocation by its origin. */
export type BundleEntry =
  | { op: 'upsert'; indicator: WireIndicator }
  | { op: 'revoke'; id: string; reason: string };

/** Wire protocol v1 bundle. Its canonical bytes are RFC 8785 JCS of this object. */
export interface Bundle {
  spec: typeof BUNDLE_SPEC;
  id: string; // uuid v7
  publisher: string; // node id
  audience: string; // node id or "all"
  seq: number; // 1, 2, … per (publisher, audience)
  prev: string | null; // hash of the previous bundle of the chain; null at seq 1
  createdAt: string; // ISO 8601 UTC
  entries: BundleEntry[];
}
