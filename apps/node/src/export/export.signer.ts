import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { signDetached } from '@palermo/bundles';
import { FeedPublisher } from '@palermo/federation';
import { Store, type AgreementRecord, type PartnerRecord, type SignedBundle } from '@palermo/store';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { encryptionRecipients } from './export.audiences';
import { ExportPlanner, type AudiencePlan } from './export.planner';

const HEADER_ROOM = 16 * 1024;
const MIN_BUNDLE_BYTES = 64 * 1024;

/**
 * Cuts plans into bundles from each chain's stored head and signs them with the live node key, for
 * the export pass and for a disclosure's release alike. Call it only in an export turn (ExportTurns):
 * the heads it reads must still be the heads when the bundles are stored.
 */
@Injectable()
export class ExportSigner {
  constructor(
    private readonly store: Store,
    private readonly publisher: FeedPublisher,
    private readonly planner: ExportPlanner,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  /** Cuts and signs the plans' bundles, chain by chain from each chain's stored head. */
  async sign(plans: AudiencePlan[], state: { partners: PartnerRecord[]; agreements: AgreementRecord[] }): Promise<SignedBundle[]> {
    const signed: SignedBundle[] = [];
    const recipientOf = encryptionRecipients(state.partners, state.agreements);
    for (const plan of plans) {
      // Decisions only (withheld, or a relay batch on a chain without onward): no bundle, so no chain head to read.
      if (plan.entries.length === 0) continue;
      const head = await this.store.bundles.chainHead(this.config.nodeId, plan.audience);
      for (const { bundle, bytes, hash, restricted } of this.planner.cut(this.config.nodeId, plan, head, this.maxBundleBytes())) {
        const encryptedTo = recipientOf(plan.audience, restricted);
        // One read of the live key for both (a rotation may swap it during the await).
        const { privateKey, fingerprint } = this.keys;
        signed.push({ bundle, bytes, hash, signature: await signDetached(bytes, privateKey), signer: fingerprint, encryptedTo });
        // One bundle (tens of ms of canonical JSON at 768 KiB) at a time: a POST waiting on its
        // transaction, or an HTTP request, gets the thread between bundles, not after the whole pass.
        await yieldToEventLoop();
      }
    }
    return signed;
  }

  /**
   * The configured bundle size, never above what the connected NATS server accepts (with room for
   * headers): a stored bundle must always be publishable. Throws NATS_UNAVAILABLE before the first
   * connection, so nothing is cut until the limit is known.
   */
  private maxBundleBytes(): number {
    const serverMax = this.publisher.maxPayload() - HEADER_ROOM;
    return Math.max(MIN_BUNDLE_BYTES, Math.min(this.config.export.maxBundleBytes, serverMax));
  }
}
