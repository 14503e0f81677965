import { Injectable } from '@nestjs/common';
import { armorSignature } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { signerKeyStatus } from '../keys/signer.status';
import { DeliveryStatus } from '../receipts/delivery.status';
import type { ListBundlesQuery } from './bundles.query';

/** Read side of bundles: what was sent and received, byte for byte. */
@Injectable()
export class BundlesService {
  constructor(
    private readonly store: Store,
    private readonly delivery: DeliveryStatus,
  ) {}

  list(query: ListBundlesQuery) {
    return this.store.bundles.list(query);
  }

  async get(hash: string) {
    const bundle = await this.store.bundles.get(hash);
    if (!bundle) throw new DomainError('BUNDLE_NOT_FOUND', `no bundle ${hash}`);
    const { bytes: _bytes, signature: _signature, ...summary } = bundle;
    // Sent bundles: what each recipient's signed receipt says (imported with counts, or quarantined and why).
    const receipts = bundle.direction === 'out' ? await this.store.receipts.forBundle(hash) : undefined;
    // Sent bundles: per recipient, whether its durable on this node's stream delivered / acked it (null: unknown, with why).
    const delivery = bundle.direction === 'out' ? await this.delivery.forBundle(bundle) : undefined;
    // The signing key as it stands today: a later rotation or revocation is said here, with why the bundle still counts.
    const signerKey = await signerKeyStatus(this.store, bundle);
    return { ...summary, signerKey, decisions: await this.decisionsOf(bundle), ...(receipts ? { receipts } : {}), ...(delivery ? { delivery } : {}) };
  }

  /** Why each entry is in the bundle (outbound: export decisions) or what became of it (inbound: import decisions). */
  async decisions(hash: string) {
    const bundle = await this.store.bundles.get(hash);
    if (!bundle) throw new DomainError('BUNDLE_NOT_FOUND', `no bundle ${hash}`);
    return { hash, direction: bundle.direction, items: await this.decisionsOf(bundle) };
  }

  private decisionsOf(bundle: { hash: string; direction: 'in' | 'out' }) {
    return bundle.direction === 'in' ? this.store.decisions.forBundle(bundle.hash) : this.store.exportDecisions.forBundle(bundle.hash);
  }

  /** The canonical bytes exactly as signed (what `gpg --verify` needs). */
  async raw(hash: string): Promise<Uint8Array> {
    const bundle = await this.store.bundles.get(hash);
    if (!bundle) throw new DomainError('BUNDLE_NOT_FOUND', `no bundle ${hash}`);
    if (!bundle.bytes) {
      throw new DomainError('BUNDLE_BYTES_NOT_KEPT', `this node keeps only the hash and signature of ${hash}: it pseudonymized or rejected values in it; ask ${bundle.publisher} for the bytes`);
    }
    return bundle.bytes;
  }

  /** The detached signature, ASCII-armored. */
  async signature(hash: string): Promise<string> {
    const bundle = await this.store.bundles.get(hash);
    if (!bundle) throw new DomainError('BUNDLE_NOT_FOUND', `no bundle ${hash}`);
    return armorSignature(bundle.signature);
  }
}
