import type { Store } from '@palermo/store';
import { judgeSigner } from './signer.validity';

/** What GET /bundles/:hash says about the key that signed a bundle, later rotations and revocations included. */
export interface SignerKeyStatus {
  fingerprint: string;
  /** current: still the key in use (pinned for the publisher, or this node's own); superseded: rotated away; revoked: a revocation was verified. */
  status: 'current' | 'superseded' | 'revoked' | 'unknown';
  supersededAt: string | null;
  revokedAt: string | null;
  compromisedAt: string | null;
  revocationReason: string | null;
  /** Why the bundle still counts (or would not count today), in words. */
  note: string | null;
}

/** The signer's key as it stands now, for a stored bundle (inbound: the publisher's key history; outbound: this node's). */
export async function signerKeyStatus(store: Store, bundle: { direction: 'in' | 'out'; publisher: string; signer: string; createdAt: string; receivedAt: string | null; storedAt: string }): Promise<SignerKeyStatus> {
  const key =
    bundle.direction === 'in'
      ? await store.keyHistory.partnerKey(bundle.publisher, bundle.signer)
      : await store.keyHistory.ownKeys().then((keys) => {
          const own = keys.find((k) => k.fingerprint === bundle.signer);
          return own ? { ...own, supersededAt: own.retiredAt } : null;
        });
  if (!key) return { fingerprint: bundle.signer, status: 'unknown', supersededAt: null, revokedAt: null, compromisedAt: null, revocationReason: null, note: null };
  const status = key.revokedAt ? 'revoked' : key.supersededAt ? 'superseded' : 'current';
  const verdict = judgeSigner(bundle, { ...key, revocationReason: key.revocationReason }, new Date(bundle.receivedAt ?? bundle.storedAt));
  const note = verdict.ok ? verdict.note : `${verdict.code}: ${verdict.message}`;
  return { fingerprint: key.fingerprint, status, supersededAt: key.supersededAt, revokedAt: key.revokedAt, compromisedAt: key.compromisedAt, revocationReason: key.revocationReason, note };
}
