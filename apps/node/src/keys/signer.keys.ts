import { Injectable } from '@nestjs/common';
import { verifyDetached, type Bundle, type NodePublicKey } from '@palermo/bundles';
import { Store, type PartnerRecord } from '@palermo/store';
import { KeysLifecycle } from './keys.lifecycle';
import { PinnedKeys } from './pinned-keys.cache';
import { judgeSigner } from './signer.validity';

/** Who signed a bundle, when the key counts; a note when it counts only because of when the bundle was made. */
export type SignerCheck = { ok: true; fingerprint: string; jurisdiction: string; note: string | null } | { ok: false; code: string; message: string };

/**
 * The signature step of the bundle verifier, with key history: a bundle verifies against the key
 * pinned for its publisher now, or against an earlier key of that publisher (superseded by a
 * rotation or a new card) where judgeSigner allows it; a revoked key signs nothing after its
 * compromise time (KEY_REVOKED). A signature by a key this node never pinned first lets the
 * publisher's pending key statements through (a rotation may be on its way), then is refused.
 */
@Injectable()
export class SignerKeys {
  // Parsing an armored key costs more than verifying a signature: once per key, not per bundle.
  private readonly keys = new PinnedKeys();

  constructor(
    private readonly store: Store,
    private readonly lifecycle: KeysLifecycle,
  ) {}

  async check(payload: Uint8Array, signature: Uint8Array, bundle: Bundle, partner: PartnerRecord): Promise<SignerCheck> {
    const first = await this.checkOnce(payload, signature, bundle, partner);
    if (first.ok || first.code !== 'BUNDLE_SIGNER_MISMATCH') return first;
    await this.lifecycle.catchUp(bundle.publisher);
    const now = await this.store.partners.get(bundle.publisher);
    return now && now.fingerprint !== partner.fingerprint ? this.checkOnce(payload, signature, bundle, now) : first;
  }

  /**
   * For statements other than bundles (receipts): `verify` is tried with the pinned key, then with
   * each earlier key of the partner; an earlier key counts only where judgeSigner allows it for a
   * statement made at `madeAt`, a revoked one not after its compromise. Returns the result with the
   * fingerprint of the key that verified, else the pinned key's refusal.
   */
  async verifyWithHistory<S extends { ok: true }, F extends { ok: false; code: string; message: string }>(
    partner: PartnerRecord,
    madeAt: (verified: S) => string,
    verify: (key: NodePublicKey) => Promise<S | F>,
  ): Promise<{ ok: true; verified: S; fingerprint: string } | F | { ok: false; code: 'KEY_REVOKED' | 'KEY_SUPERSEDED'; message: string }> {
    const history = await this.store.keyHistory.partnerKeys(partner.nodeId);
    const pinned = await verify(await this.keys.get(partner));
    const candidates = pinned.ok ? [{ key: history.find((k) => k.fingerprint === partner.fingerprint), verified: pinned as S }] : [];
    for (const key of pinned.ok ? [] : history) {
      if (key.fingerprint === partner.fingerprint) continue;
      const result = await verify(await this.keys.get(key));
      if (result.ok) candidates.push({ key, verified: result as S });
      if (result.ok) break;
    }
    const [found] = candidates;
    if (!found) return pinned as F;
    const fingerprint = found.key?.fingerprint ?? partner.fingerprint;
    const verdict = found.key ? judgeSigner({ publisher: partner.nodeId, createdAt: madeAt(found.verified) }, found.key, new Date()) : { ok: true as const };
    return verdict.ok ? { ok: true, verified: found.verified, fingerprint } : verdict;
  }

  private async checkOnce(payload: Uint8Array, signature: Uint8Array, bundle: Bundle, partner: PartnerRecord): Promise<SignerCheck> {
    const pinned = await verifyDetached(payload, signature, await this.keys.get(partner));
    if (!pinned.ok && pinned.code !== 'BUNDLE_SIGNER_MISMATCH') return pinned;
    const history = await this.store.keyHistory.partnerKeys(bundle.publisher);
    let signer = pinned.ok ? history.find((k) => k.fingerprint === partner.fingerprint) : undefined;
    if (!pinned.ok) {
      for (const key of history) {
        if (key.fingerprint === partner.fingerprint) continue;
        if ((await verifyDetached(payload, signature, await this.keys.get(key))).ok) signer = key;
        if (signer) break;
      }
      if (!signer) return { ok: false, code: 'BUNDLE_SIGNER_MISMATCH', message: `${pinned.message}; not signed by any key ever pinned for ${bundle.publisher}` };
    }
    const fingerprint = signer?.fingerprint ?? partner.fingerprint;
    const verdict = signer ? judgeSigner(bundle, signer, new Date()) : { ok: true as const, note: null };
    if (!verdict.ok) return verdict;
    return { ok: true, fingerprint, jurisdiction: partner.jurisdiction, note: verdict.note };
  }
}
