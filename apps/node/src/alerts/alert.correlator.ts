import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { errorMessage, naturalKey } from '@palermo/indicators';
import { pseudonymize } from '@palermo/policy';
import { Store, type AlertMatch, type ChangedIndicator, type CorrelationPage } from '@palermo/store';
import { ALERTS_CONFIG, type AlertsConfig } from '../config/alerts.config';
import { KickedWorker } from '../node/kicked.worker';
import { NODE_KEYS, type NodeKeys } from '../node/node-context';

/** Indicator changes per transaction. */
const PAGE = 200;
/** How often changes nobody kicked for (STIX/MISP imports, another process) are picked up. */
const TICK_MS = 5_000;
/** How often alerts are checked for sources that expired or were purged (a scan of the active sources). */
const SWEEP_MS = 60_000;
/** Near neighbours looked at per image hash. */
const NEAR_LIMIT = 100;

/**
 * Correlates indicators off the import path: reads indicator changes after its cursor (change_seq,
 * commit order) in pages, derives each one's match keys — natural key, this node's pseudonym, near
 * image hashes of other origins — and hands the page to store.alerts.applyPage, which recomputes
 * the alerts and moves the cursor in one transaction. A crash repeats at most one page, and a
 * repeated page changes nothing. Kicked after a committed import and after local writes; a timer
 * sweeps too (expiry changes no row, so it is found there).
 */
@Injectable()
export class AlertCorrelator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AlertCorrelator');
  private readonly worker = new KickedWorker<boolean>(this.logger, 'correlation', (sweep) => this.run(sweep ?? false));
  private lastSweep = 0;

  constructor(
    private readonly store: Store,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker.every(TICK_MS, () => this.kick(Date.now() - this.lastSweep >= SWEEP_MS));
    this.kick(true);
  }

  onApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }

  /** Correlate what changed, now (coalesced: one run at a time); `sweep` also looks for expired sources. */
  kick(sweep = false): void {
    this.worker.kick(sweep);
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  idle(): Promise<void> {
    return this.worker.idle();
  }

  private async run(sweep: boolean): Promise<void> {
    let cursor = await this.store.alerts.cursor();
    while (!this.worker.stopped) {
      const changes = await this.store.alerts.changesAfter(cursor, PAGE);
      if (changes.length === 0) break;
      const page = await this.pageOf(changes);
      const created = await this.store.alerts.applyPage(page);
      if (created.length > 0) this.logger.log(`${created.length} new correlation alert(s)`);
      cursor = page.upTo;
    }
    if (!sweep) return;
    this.lastSweep = Date.now();
    while (!this.worker.stopped && (await this.store.alerts.sweep()) > 0);
  }

  private async pageOf(changes: ChangedIndicator[]): Promise<CorrelationPage> {
    const keys: CorrelationPage['keys'] = [];
    const matches: AlertMatch[] = [];
    for (const c of changes) {
      const pseudonym = c.value !== null ? pseudonymize(this.keys.pseudonymSecret, c.type, c.value) : c.pseudonym;
      if (pseudonym) {
        keys.push({ indicatorPk: c.pk, type: c.type, pseudonym });
        matches.push({ kind: 'pseudonym', type: c.type, pseudonym });
      }
      if (c.value === null) continue;
      const qualifier = naturalKey({ type: c.type, value: '', platform: c.platform ?? undefined, chain: c.chain ?? undefined }).split(':')[1] ?? '';
      matches.push({ kind: 'exact', type: c.type, value: c.value, qualifier });
      if (c.type === 'image-hash' && c.active) matches.push(...(await this.nearOf(c, c.value)));
    }
    return { upTo: changes[changes.length - 1]!.changeSeq, indicatorPks: changes.map((c) => c.pk), keys, matches };
  }

  /** Near pairs with image hashes of other origins (distance ≥ 1: equal hashes are an exact alert). */
  private async nearOf(c: ChangedIndicator, value: string): Promise<AlertMatch[]> {
    const threshold = value.startsWith('pdq:') ? this.config.pdqThreshold : this.config.phashThreshold;
    try {
      const result = await this.store.nearMatches.nearest(value, threshold, NEAR_LIMIT);
      return result.matches.filter((m) => m.origin !== c.origin && m.distance > 0).map((m) => ({ kind: 'near' as const, a: value, b: m.value, distance: m.distance }));
    } catch (err) {
      this.logger.warn(`near matches of indicator ${c.pk}: ${errorMessage(err)}`);
      return [];
    }
  }
}
