import { Injectable } from '@nestjs/common';
import { verifyDetached, type Bundle, type NodePublicKey } from '@palermo/bundles';
import { Store, type PartnerKeyRecord, type PartnerRecord } from '@palermo/store';
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
    const found = await this.findSigner(partner, verify);
    if (!found.result.ok) return found.result;
    const verdict = found.key ? judgeSigner({ publisher: partner.nodeId, createdAt: madeAt(found.result) }, found.key, new Date()) : { ok: true as const };
    return verdict.ok ? { ok: true, verified: found.result, fingerprint: found.key?.fingerprint ?? partner.fingerprint } : verdict;
  }

  private async checkOnce(payload: Uint8Array, signature: Uint8Array, bundle: Bundle, partner: PartnerRecord): Promise<SignerCheck> {
    const found = await this.findSigner(partner, (key) => verifyDetached(payload, signature, key));
    if (!found.result.ok) {
      const { code, message } = found.result;
      return code === 'BUNDLE_SIGNER_MISMATCH' ? { ok: false, code, message: `${message}; not signed by any key ever pinned for ${bundle.publisher}` } : found.result;
    }
    const verdict = found.key ? judgeSigner(bundle, found.key, new Date()) : { ok: true as const, note: null };
    if (!verdict.ok) return verdict;
    return { ok: true, fingerprint: found.key?.fingerprint ?? partner.fingerprint, jurisdiction: partner.jurisdiction, note: verdict.note };
  }

  /** The key of the partner's history that verifies (the pinned key first), or the pinned key's refusal. */
  private async findSigner<R extends { ok: boolean }>(partner: PartnerRecord, verify: (key: NodePublicKey) => Promise<R>): Promise<{ key: PartnerKeyRecord | undefined; result: R }> {
    const history = await this.store.keyHistory.partnerKeys(partner.nodeId);
    const pinned = await verify(await this.keys.get(partner));
    if (pinned.ok) return { key: history.find((k) => k.fingerprint === partner.fingerprint), result: pinned };
    for (const key of history) {
      if (key.fingerprint === partner.fingerprint) continue;
      const result = await verify(await this.keys.get(key));
      if (result.ok) return { key, result };
    }
    return { key: undefined, result: pinned };
  }
}
