import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { signDetached } from '@palermo/bundles';
import { FeedPublisher } from '@palermo/federation';
import { COMMUNITY_AUDIENCE, DomainError } from '@palermo/indicators';
import { Store, type BundleRecord, type PendingExport } from '@palermo/store';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { ExportPlanner, type ChainHeads } from './export.planner';

const BATCH = 20_000;
const SWEEP_MS = 5_000;
const HEADER_ROOM = 16 * 1024;
const MIN_BUNDLE_BYTES = 64 * 1024;

/**
 * The exporter: batches new, changed and revoked own indicators into signed bundles per
 * audience. A bundle is stored (with the indicators marked exported, in one transaction)
 * before it is published, and unpublished bundles are re-published in chain order, so a
 * crash or a NATS outage delays a bundle but never loses or reorders it.
 */
@Injectable()
export class ExportService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExportService');
  private timer?: NodeJS.Timeout;
  private sweeper?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly publisher: FeedPublisher,
    private readonly planner: ExportPlanner,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => this.nudge(), SWEEP_MS);
    this.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    clearTimeout(this.timer);
    await this.running;
  }

  /** Asks for an export within the configured delay (≤ 1 s); many nudges make one batch. */
  nudge(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runNow();
    }, this.config.export.maxDelayMs);
  }

  /** Runs one export pass now (or right after the one in progress). */
  async runNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass()
      .catch((err) => this.logger.warn(`export pass failed, will retry: ${(err as Error).message}`))
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.nudge();
        }
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    if (!(await this.publishStored())) return;
    for (;;) {
      const pending = await this.store.indicators.pendingExport(BATCH);
      if (pending.length === 0) return;
      await this.storeBundles(pending);
      if (!(await this.publishStored()) || pending.length < BATCH) return;
    }
  }

  private async storeBundles(pending: PendingExport[]): Promise<void> {
    // Pinning a key means "trust what it signs"; sharing beyond the community chain also needs the
    // partner to be named in export.partners (the node's sharing agreements, until those are data).
    const pinned = new Set((await this.store.partners.list()).map((p) => p.nodeId));
    const partners = this.config.export.partners.filter((id) => pinned.has(id));
    const heads: ChainHeads = new Map();
    for (const audience of [COMMUNITY_AUDIENCE, ...partners]) heads.set(audience, await this.store.bundles.chainHead(this.config.nodeId, audience));
    const signed = [];
    for (const { bundle, bytes, hash } of this.planner.plan(this.config.nodeId, partners, pending, heads, this.maxBundleBytes())) {
      signed.push({ bundle, bytes, hash, signature: await signDetached(bytes, this.keys.privateKey), signer: this.keys.fingerprint });
      // One bundle (tens of ms of canonical JSON at 768 KiB) at a time: a POST waiting on its
      // transaction, or an HTTP request, gets the thread between bundles, not after the whole pass.
      await yieldToEventLoop();
    }
    await this.store.bundles.saveOutbound({
      bundles: signed,
      exported: pending.map((p) => ({ id: p.indicator.id, version: p.indicator.version })),
    });
    if (signed.length) this.logger.log(`stored ${signed.length} bundle(s) for ${pending.length} indicator change(s)`);
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

  /** Publishes every stored bundle; false when NATS is away (the next pass resumes). */
  private async publishStored(): Promise<boolean> {
    for (let page = await this.store.bundles.unpublishedOutbound(); page.length > 0; page = await this.store.bundles.unpublishedOutbound()) {
      if (!(await this.publishPage(page))) return false;
    }
    return true;
  }

  /** Publishes stored bundles in chain order; false when NATS is away (the rest wait). */
  private async publishPage(page: (BundleRecord & { bytes: Uint8Array })[]): Promise<boolean> {
    for (const stored of page) {
      try {
        const ack = await this.publisher.publish({
          publisher: stored.publisher,
          audience: stored.audience,
          hash: stored.hash,
          payload: stored.bytes,
          signerFingerprint: stored.signer,
          signature: stored.signature,
        });
        await this.store.bundles.markPublished(stored.hash, ack.streamSeq);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'NATS_UNAVAILABLE') {
          this.logger.warn(`NATS unavailable; ${stored.hash.slice(0, 12)} and later bundles wait for the next pass`);
          this.nudgeLater();
          return false;
        }
        throw err;
      }
    }
    return true;
  }

  private nudgeLater(): void {
    if (!this.stopped) setTimeout(() => this.nudge(), 1_000).unref();
  }
}
