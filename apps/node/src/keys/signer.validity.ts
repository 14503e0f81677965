import { KEY_REVOCATION_SPEC, signatureValidity, type KeyRevocation, type RevocationReason } from '@palermo/bundles';

/**
 * How long after a rotation a bundle signed by the superseded key still counts when it says it was
 * made before: bundles cut just before the swap are signed and published a moment later (in flight).
 * Never applies to a compromise.
 */
export const SUPERSEDED_GRACE_MS = 5 * 60_000;

/** A key of a partner's history as the verifier needs it. */
export interface HistoricalKey {
  fingerprint: string;
  supersededAt: string | null;
  compromisedAt: string | null;
  revocationReason: RevocationReason | null;
  revokedAt: string | null;
}

/** What a bundle's signature is worth given its key's history: valid (maybe with a note), or refused with a code. */
export type SignerVerdict =
  | { ok: true; note: string | null }
  | { ok: false; code: 'KEY_REVOKED' | 'KEY_SUPERSEDED'; message: string };

/**
 * Decides a bundle signed by `key` of its publisher, received now: a verified revocation (through
 * signatureValidity: after a compromise, only what this node had before counts) and a supersession
 * by a rotation or a new card (a bundle created before it, or within the in-flight grace, counts).
 * Pure: the caller reads the history and the clock.
 */
export function judgeSigner(bundle: { publisher: string; createdAt: string }, key: HistoricalKey, receivedAt: Date): SignerVerdict {
  const notes: string[] = [];
  const received = receivedAt.toISOString();
  if (key.compromisedAt && key.revocationReason) {
    const revocation: KeyRevocation = {
      spec: KEY_REVOCATION_SPEC,
      nodeId: bundle.publisher,
      fingerprint: key.fingerprint,
      reason: key.revocationReason,
      compromisedAt: key.compromisedAt,
      at: key.revokedAt ?? key.compromisedAt,
      signer: key.fingerprint,
    };
    const validity = signatureValidity({ signer: key.fingerprint, createdAt: bundle.createdAt, receivedAt: received }, revocation);
    if (validity.status === 'quarantine') return { ok: false, code: 'KEY_REVOKED', message: validity.message };
    if (validity.status === 'valid-before-revocation') notes.push(validity.message);
  }
  if (key.supersededAt) {
    const cutoff = Date.parse(key.supersededAt) + SUPERSEDED_GRACE_MS;
    const created = Date.parse(bundle.createdAt);
    // NaN compares false: an unreadable time is refused.
    if (!(created < cutoff)) {
      return { ok: false, code: 'KEY_SUPERSEDED', message: `signed by key ${key.fingerprint}, superseded at ${key.supersededAt}; this bundle was created ${bundle.createdAt}, after that` };
    }
    notes.push(`signed by key ${key.fingerprint}, superseded at ${key.supersededAt}; this bundle was created ${bundle.createdAt}, before that (in flight)`);
  }
  return { ok: true, note: notes.length ? notes.join('; ') : null };
}
