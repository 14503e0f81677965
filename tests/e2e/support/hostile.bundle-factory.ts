import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { buildBundle, bundleHash, canonicalBytes, signDetached, type Bundle, type BundleEntry, type NodePrivateKey } from '@palermo/bundles';
import type { WireIndicator } from '@palermo/indicators';

// Material for hostile feed messages: wire indicators, bundles at a chosen chain position, and the
// four feed headers, each of which a test may then break on purpose.

/** A valid, already-normalized wire indicator of `origin` (override any field). */
export function wireIndicator(origin: string, overrides: Partial<WireIndicator> = {}): WireIndicator {
  return {
    id: uuidv7(),
    origin,
    version: 1,
    type: 'email',
    value: `hostile-${randomBytes(4).toString('hex')}@example.org`,
    tlp: 'amber',
    confidence: 80,
    tags: ['ht:recruitment'],
    firstSeen: '2026-01-02T03:04:05.006Z',
    lastSeen: '2026-02-02T03:04:05.006Z',
    validUntil: null,
    modifiedAt: '2026-02-03T00:00:00.000Z',
    ...overrides,
  };
}

/** A bundle of upserts at a given chain position (seq/prev chosen by the caller). */
export function bundleAt(chain: { publisher: string; audience: string; seq: number; prev: string | null }, indicators: WireIndicator[]): Bundle {
  const entries: BundleEntry[] = indicators.map((indicator) => ({ op: 'upsert', indicator }));
  return buildBundle({ ...chain, entries });
}

/** A message as it travels on a feed subject: raw payload and raw headers. */
export interface RawFeedMessage {
  payload: Uint8Array;
  headers: Record<string, string>;
}

/**
 * The payload and the four feed headers exactly as an honest publisher would send them:
 * Nats-Msg-Id = Palermo-Hash = SHA-256 of the bytes, Palermo-Signer, Palermo-Signature (base64 binary).
 */
export async function signedMessage(payload: Uint8Array, key: NodePrivateKey, fingerprint: string): Promise<RawFeedMessage> {
  const hash = bundleHash(payload);
  const signature = await signDetached(payload, key);
  return {
    payload,
    headers: {
      'Nats-Msg-Id': hash,
      'Palermo-Hash': hash,
      'Palermo-Signer': fingerprint,
      'Palermo-Signature': Buffer.from(signature).toString('base64'),
    },
  };
}

/** signedMessage over a bundle's canonical bytes. */
export async function signedBundle(bundle: Bundle, key: NodePrivateKey, fingerprint: string): Promise<RawFeedMessage> {
  return signedMessage(canonicalBytes(bundle), key, fingerprint);
}

/** Lower hex SHA-256, as the quarantine lists payloads (payloadSha256). */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A fresh, never-used Nats-Msg-Id (so JetStream's duplicate window does not swallow a deliberate replay). */
export function freshMsgId(label: string): string {
  return `${label}-${uuidv7()}`;
}
