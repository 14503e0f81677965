import { Injectable } from '@nestjs/common';
import { fingerprintOf, verifyDetached, type Bundle, type NodePublicKey } from '@palermo/bundles';
import { Store, type PartnerKeyRecord, type PartnerRecord } from '@palermo/store';
import { KeysLifecycle } from './keys.lifecycle';
import { PinnedKeys } from './pinned-keys.cache';
import { judgeSigner, type HistoricalKey } from './signer.validity';

/** Who signed a bundle, when the key counts; a note when it counts only because of when the bundle was made. */
export type SignerCheck = { ok: true; fingerprint: string; jurisdiction: string; note: string | null } | { ok: false; code: string; message: string };

/** What verifyWithHistory returns: the verifier's result and the key that made it, or a refusal. */
export type HistoryCheck<S, F> = { ok: true; verified: S; fingerprint: string; key: NodePublicKey } | F | { ok: false; code: 'KEY_REVOKED' | 'KEY_SUPERSEDED'; message: string };

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
   * For statements other than bundles (receipts, feed-log checkpoints and countersignatures):
   * `verify` is tried with the pinned key, then with each earlier key of the partner; an earlier key
   * counts only where judgeSigner allows it for a statement made at `madeAt`, a revoked one not after
   * its compromise. When the refusal is `catchUpOn` (the verifier's "signed by another key"), the
   * partner's pending key statements are read first and the check is made once more: a statement
   * signed by its new key may overtake the rotation. Returns the result with the key that verified,
   * else the pinned key's refusal.
   */
  async verifyWithHistory<S extends { ok: true }, F extends { ok: false; code: string; message: string }>(
    partner: PartnerRecord,
    madeAt: (verified: S) => string,
    verify: (key: NodePublicKey) => Promise<S | F>,
    options: { catchUpOn?: string } = {},
  ): Promise<HistoryCheck<S, F>> {
    const first = await this.verifyOnce<S, F>(partner, madeAt, verify);
    if (first.ok || options.catchUpOn === undefined || first.code !== options.catchUpOn) return first;
    await this.lifecycle.catchUp(partner.nodeId);
    const now = await this.store.partners.get(partner.nodeId);
    return now && now.fingerprint !== partner.fingerprint ? this.verifyOnce<S, F>(now, madeAt, verify) : first;
  }

  /**
   * The same for a statement this node signed (a countersigned checkpoint of its own log): its
   * current key, or an earlier own key under the same rules (retired by a rotation: made before it
   * plus the grace; revoked as compromised: not after that).
   */
  async verifyWithOwnHistory<S extends { ok: true }, F extends { ok: false; code: string; message: string }>(
    current: NodePublicKey,
    madeAt: (verified: S) => string,
    verify: (key: NodePublicKey) => Promise<S | F>,
  ): Promise<HistoryCheck<S, F>> {
    const first = await verify(current);
    if (first.ok) return { ok: true, verified: first, fingerprint: fingerprintOf(current), key: current };
    for (const own of await this.store.keyHistory.ownKeys()) {
      if (own.fingerprint === fingerprintOf(current)) continue;
      const key = await this.keys.get(own);
      const result = await verify(key);
      if (!result.ok) continue;
      const history: HistoricalKey = { ...own, supersededAt: own.retiredAt };
      const verdict = judgeSigner({ publisher: own.nodeId, createdAt: madeAt(result) }, history, new Date());
      return verdict.ok ? { ok: true, verified: result, fingerprint: own.fingerprint, key } : verdict;
    }
    return first;
  }

  private async verifyOnce<S extends { ok: true }, F extends { ok: false; code: string; message: string }>(
    partner: PartnerRecord,
    madeAt: (verified: S) => string,
    verify: (key: NodePublicKey) => Promise<S | F>,
  ): Promise<HistoryCheck<S, F>> {
    const found = await this.findSigner(partner, verify);
    if (!found.result.ok) return found.result;
    const verdict = found.record ? judgeSigner({ publisher: partner.nodeId, createdAt: madeAt(found.result) }, found.record, new Date()) : { ok: true as const };
    return verdict.ok ? { ok: true, verified: found.result, fingerprint: found.record?.fingerprint ?? partner.fingerprint, key: found.key } : verdict;
  }

  private async checkOnce(payload: Uint8Array, signature: Uint8Array, bundle: Bundle, partner: PartnerRecord): Promise<SignerCheck> {
    const found = await this.findSigner(partner, (key) => verifyDetached(payload, signature, key));
    if (!found.result.ok) {
      const { code, message } = found.result;
      return code === 'BUNDLE_SIGNER_MISMATCH' ? { ok: false, code, message: `${message}; not signed by any key ever pinned for ${bundle.publisher}` } : found.result;
    }
    const verdict = found.record ? judgeSigner(bundle, found.record, new Date()) : { ok: true as const, note: null };
    if (!verdict.ok) return verdict;
    return { ok: true, fingerprint: found.record?.fingerprint ?? partner.fingerprint, jurisdiction: partner.jurisdiction, note: verdict.note };
  }

  /** The key of the partner's history that verifies (the pinned key first), or the pinned key's refusal. */
  private async findSigner<R extends { ok: boolean }>(partner: PartnerRecord, verify: (key: NodePublicKey) => Promise<R>): Promise<{ record: PartnerKeyRecord | undefined; key: NodePublicKey; result: R }> {
    const history = await this.store.keyHistory.partnerKeys(partner.nodeId);
    const pinnedKey = await this.keys.get(partner);
    const pinned = await verify(pinnedKey);
    if (pinned.ok) return { record: history.find((k) => k.fingerprint === partner.fingerprint), key: pinnedKey, result: pinned };
    for (const record of history) {
      if (record.fingerprint === partner.fingerprint) continue;
      const key = await this.keys.get(record);
      const result = await verify(key);
      if (result.ok) return { record, key, result };
    }
    return { record: undefined, key: pinnedKey, result: pinned };
  }
}
