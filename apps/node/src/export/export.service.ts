import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FeedPublisher, STREAM_NOT_PROVISIONED, type FeedPublishInput } from '@palermo/federation';
import { COMMUNITY_AUDIENCE, DomainError, errorMessage } from '@palermo/indicators';
import { Store, type AgreementRecord, type PartnerRecord, type PendingExport, type PendingRelay } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { allowsExport, exportAudiences, revocationOnlyAudiences } from './export.audiences';
import { ExportHolds, type HeldAudience } from './export.holds';
import { ExportSigner } from './export.signer';
import { ExportTurns } from './export.turns';
import { ExportPlanner, mergePlans, type AudiencePlan } from './export.planner';
import { RelayPlanner } from './relay.planner';
import { OutboundMessages, type StoredOutbound } from './outbound.message';

/** Where a backfill page stands: whose agreement, and the last own indicator (pk) it covers. */
interface Backfill {
  agreementId: string;
  partner: string;
  from: string | null;
  pk: string;
  done: boolean;
}

const BATCH = 20_000;
const BACKFILL_PAGE = 5_000;
const SWEEP_MS = 5_000;
/**
 * The exporter: batches new, changed and revoked own indicators into signed bundles per
 * audience (the community chain, and each partner under an active agreement), as the live policy
 * decides for that audience. A bundle is stored (with the indicators marked exported, in one transaction)
 * before it is published, and unpublished bundles are re-published in chain order, so a
 * crash or a NATS outage delays a bundle but never loses or reorders it.
 */
@Injectable()
export class ExportService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ExportService');
  private timer?: NodeJS.Timeout;
  private sweeper?: NodeJS.Timeout;
  private stopped = false;
  /** Bumped per partner when its agreement changes; a page read under an older value is abandoned. */
  private readonly epochs = new Map<string, number>();
  private inFlight: Promise<unknown> = Promise.resolve();
  /** Chains held because their next bundle cannot be built; the pass skips them, the next pass tries again. */
  private readonly holds = new ExportHolds();

  constructor(
    private readonly store: Store,
    private readonly publisher: FeedPublisher,
    private readonly planner: ExportPlanner,
    private readonly relays: RelayPlanner,
    private readonly outbound: OutboundMessages,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly signer: ExportSigner,
    private readonly turns: ExportTurns,
  ) {
    this.turns.onPassWanted(() => this.nudge());
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => this.nudge(), SWEEP_MS);
    this.nudge();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    clearTimeout(this.timer);
    await this.turns.stop();
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
    return this.turns.pass(() => this.pass().catch((err) => this.logger.warn(`export pass failed, will retry: ${(err as Error).message}`)));
  }

  /** Chains that wait because their next bundle cannot be sent (GET /health, partner status). */
  heldAudiences(): HeldAudience[] {
    return this.holds.list();
  }

  private async pass(): Promise<void> {
    this.holds.newPass();
    if (!(await this.publishStored())) return;
    for (;;) {
      const pending = await this.store.indicators.pendingExport(BATCH);
      if (pending.length === 0) break;
      await this.storeBundles(pending, null);
      if (!(await this.publishStored())) return;
      if (pending.length < BATCH) break;
    }
    // Onward sharing: new versions and revocations of what this node imported from other origins.
    for (;;) {
      const relayed = await this.store.indicators.pendingRelay(BATCH);
      if (relayed.length === 0) break;
      await this.storeRelayed(relayed);
      if (!(await this.publishStored())) return;
      if (relayed.length < BATCH) break;
    }
    await this.backfill();
  }

  /**
   * A partner whose agreement became active (approved, or resumed after a suspension) gets what it
   * may have of the node's current indicators, a page at a time; the cursor advances in the same
   * transaction as the page's bundles, so a crash resumes where it stopped.
   */
  private async backfill(): Promise<void> {
    for (;;) {
      const now = new Date();
      const agreement = (await this.store.agreements.allCurrent()).find((a) => allowsExport(a, now) && !a.backfilledAt);
      if (!agreement) return;
      const page = await this.store.indicators.ownPage(agreement.backfillPk, BACKFILL_PAGE);
      const last = page.at(-1)?.pk ?? agreement.backfillPk ?? '0';
      await this.storeBundles(
        page.map((p) => p.item),
        { agreementId: agreement.id, partner: agreement.partner, from: agreement.backfillPk, pk: last, done: page.length < BACKFILL_PAGE },
      );
      if (!(await this.publishStored())) return;
    }
  }

  private async storeBundles(pending: PendingExport[], backfill: Backfill | null): Promise<void> {
    const now = new Date();
    const [partners, agreements] = await Promise.all([this.store.partners.list(), this.store.agreements.allCurrent()]);
    let audiences = exportAudiences(partners, agreements, this.config.policy.adequacy, now);
    // A backfill page is decided for the community (to skip what rides on it) and for its partner only.
    if (backfill) audiences = audiences.filter((a) => a.audience === COMMUNITY_AUDIENCE || a.audience === backfill.partner);
    const ids = pending.map((p) => p.id);
    const [shared, standing] = await Promise.all([this.store.exportDecisions.sharedAudiences(ids), this.store.disclosures.standingReleases(this.config.nodeId, ids)]);
    const plans = this.planner.decide(audiences, pending, shared, now, backfill ? 'backfill' : 'changes', standing).filter((plan) => !backfill || plan.audience === backfill.partner);
    if (!backfill) {
      for (const partner of revocationOnlyAudiences(partners, agreements, now)) {
        const revocations = this.planner.revocationsFor(partner, pending, shared);
        if (revocations.entries.length > 0) plans.push(revocations);
      }
    }
    await this.signAndSave(plans, { partners, agreements }, {
      exported: backfill ? [] : pending.map((p) => ({ id: p.indicator.id, version: p.indicator.version })),
      backfill: backfill ? { agreementId: backfill.agreementId, from: backfill.from, pk: backfill.pk, done: backfill.done } : undefined,
    });
    if (plans.some((p) => p.entries.length > 0)) this.logger.log(`stored bundle(s) for ${pending.length} indicator(s)${backfill ? ` (backfill for ${backfill.partner})` : ''}`);
  }

  /**
   * Imported indicators of other origins, considered for onward sharing (RelayPlanner): partner chains
   * whose agreement allows it get new versions; every partner that got one gets the origin's revocation.
   */
  private async storeRelayed(pending: PendingRelay[]): Promise<void> {
    const now = new Date();
    const [partners, agreements] = await Promise.all([this.store.partners.list(), this.store.agreements.allCurrent()]);
    const open = exportAudiences(partners, agreements, this.config.policy.adequacy, now).filter((a) => a.audience !== COMMUNITY_AUDIENCE);
    const shared = await this.store.exportDecisions.sharedAudiences(pending.map((p) => p.id));
    const origins = new Map(agreements.map((a) => [a.partner, a]));
    // Every other pinned partner takes the origin's revocations of what it got; a suspended one's wait for its resume.
    const closed = partners.map((p) => p.nodeId).filter((id) => !open.some((o) => o.audience === id)).sort();
    const plans = this.relays.decide(open, closed, pending, shared, origins, now);
    await this.signAndSave(plans, { partners, agreements }, { exported: [], relayed: pending.map((p) => ({ originNode: p.originNode, id: p.id, version: p.version, revoked: p.revoked !== null })) });
    const sent = plans.reduce((n, p) => n + p.entries.length, 0);
    if (sent > 0) this.logger.log(`relayed ${sent} entr${sent === 1 ? 'y' : 'ies'} of ${pending.length} imported indicator(s)`);
  }

  /**
   * Cuts, signs and stores the plans' bundles with what they mark done, in one transaction. `state` is
   * the partners and agreements the plans were decided under (who must get ciphertext follows them).
   */
  private async signAndSave(
    planned: AudiencePlan[],
    state: { partners: PartnerRecord[]; agreements: AgreementRecord[] },
    marks: { exported: { id: string; version: number }[]; relayed?: { originNode: string; id: string; version: number; revoked: boolean }[]; backfill?: { agreementId: string; from: string | null; pk: string; done: boolean } },
  ): Promise<void> {
    const plans = mergePlans(planned);
    const signed = await this.signer.sign(plans, state);
    await this.store.bundles.saveOutbound({ bundles: signed, decisions: plans.flatMap((plan) => plan.decisions), ...marks });
  }

  /**
   * Publishes every stored bundle whose audience may still receive it; false when NATS is away
   * (the next pass resumes). A partner whose agreement was suspended gets nothing more, not even
   * what was stored before: its bundles wait for a resume (or are dropped on termination).
   */
  private async publishStored(): Promise<boolean> {
    for (;;) {
      // Taken before the agreements are read: a change after this point abandons the page below.
      const epochs = new Map(this.epochs);
      const audiences = await this.openAudiences();
      const page = await this.store.bundles.unpublishedOutbound(100, audiences);
      if (page.length === 0) return this.publishRevocations();
      if (!(await this.publishPage(page, epochs))) return false;
    }
  }

  /**
   * To a partner no agreement covers any more, only revocation-only bundles go, in chain order: a
   * bundle with data ahead of them (stored before the agreement ended) holds them back.
   */
  private async publishRevocations(): Promise<boolean> {
    const [partners, agreements] = await Promise.all([this.store.partners.list(), this.store.agreements.allCurrent()]);
    const closed = revocationOnlyAudiences(partners, agreements, new Date()).filter((a) => !this.holds.skips(a));
    if (closed.length === 0) return true;
    const epochs = new Map(this.epochs);
    // One read for all of them, in chain order; per partner, stop at the first bundle that carries data.
    const held = new Set<string>();
    const sendable = (await this.store.bundles.unpublishedOutbound(100, closed)).filter((b) => {
      if (b.upsertCount > 0) held.add(b.audience);
      return !held.has(b.audience);
    });
    return sendable.length === 0 || this.publishPage(sendable, epochs);
  }


  /**
   * An agreement with `partner` changed (suspended, terminated, superseded, approved, resumed):
   * nothing more is published to it from a page read before the change. Resolves once a publish
   * already on the wire has settled, so when the officer's call returns, export has stopped.
   */
  async agreementChanged(partner: string): Promise<void> {
    await this.pauseAudience(partner);
    this.nudge();
  }

  /**
   * Stops publishing to `partner` from pages already read and waits for a publish on the wire to
   * settle; called before an agreement change commits (and again after it, by agreementChanged).
   */
  async pauseAudience(partner: string): Promise<void> {
    this.epochs.set(partner, (this.epochs.get(partner) ?? 0) + 1);
    await this.inFlight.catch(() => undefined);
  }

  /** The community chain and every partner whose agreement allows export right now. */
  private async openAudiences(): Promise<string[]> {
    const now = new Date();
    const open = (await this.store.agreements.allCurrent()).filter((a) => allowsExport(a, now)).map((a) => a.partner);
    return [COMMUNITY_AUDIENCE, ...open].filter((a) => !this.holds.skips(a));
  }


  /**
   * Publishes stored bundles in chain order; false when NATS is away (the rest wait). A bundle that
   * cannot be built for its audience holds that chain only (ExportHolds); the other chains go on.
   */
  private async publishPage(page: StoredOutbound[], epochs: Map<string, number>): Promise<boolean> {
    for (const stored of page) {
      if (this.holds.skips(stored.audience)) continue;
      // Its agreement changed since the page was read: read the page again under the new state.
      if (this.epochs.get(stored.audience) !== epochs.get(stored.audience)) return true;
      const message = await this.buildOrHold(stored);
      if (!message) continue;
      // Recorded before it is handed to NATS: from here on it may arrive even without an ack, so an
      // ended agreement must not cancel it (its chain position stays taken). Gone = cancelled meanwhile.
      if (!(await this.store.bundles.markAttempted(stored.hash))) return true;
      try {
        const publishing = this.publisher.publish(message);
        this.inFlight = publishing;
        const ack = await publishing;
        if (!(await this.store.bundles.markPublished(stored.hash, ack.streamSeq))) {
          this.logger.error(`bundle ${stored.hash.slice(0, 12)} for ${stored.audience} was acked by JetStream but is no longer stored`);
        }
      } catch (err) {
        if (err instanceof DomainError && (err.code === 'NATS_UNAVAILABLE' || err.code === STREAM_NOT_PROVISIONED)) {
          // A stream the operator has not provisioned yet (nkey configs) waits like a broker that is down: /health names it.
          this.logger.warn(`${err.code === 'NATS_UNAVAILABLE' ? 'NATS unavailable' : err.message}; ${stored.hash.slice(0, 12)} and later bundles wait for the next pass`);
          this.nudgeLater();
          return false;
        }
        throw err;
      }
    }
    return true;
  }

  /**
   * The feed message of a stored bundle, or null when its audience cannot be sent to now (e.g. the
   * partner's pinned key cannot be encrypted to): that chain waits — later bundles must not overtake
   * it — logged and listed by heldAudiences, and is tried again on the next pass. Not marked
   * attempted, so an ended agreement can still cancel it.
   */
  private async buildOrHold(stored: StoredOutbound): Promise<FeedPublishInput | null> {
    try {
      const message = await this.outbound.build(stored);
      if (this.holds.release(stored.audience)) this.logger.log(`the chain for ${stored.audience} moves again`);
      return message;
    } catch (err) {
      const held = this.holds.hold(stored.audience, stored.hash, err);
      if (!held) throw err;
      if (held === 'new') this.logger.error(`the chain for ${stored.audience} waits at bundle ${stored.hash.slice(0, 12)}: ${errorMessage(err)}`);
      return null;
    }
  }

  private nudgeLater(): void {
    if (!this.stopped) setTimeout(() => this.nudge(), 1_000).unref();
  }
}
