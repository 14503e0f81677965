import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { errorMessage, type IndicatorType } from '@palermo/indicators';
import { lookupInput, prfOutput, type LookupServerKey } from '@palermo/lookups';
import { Store, type LookupEpochRecord, type LookupSource } from '@palermo/store';
import { LOOKUP_CONFIG, type LookupConfig } from '../config/lookup.config';
import { LookupKeys } from './lookup.keys';

/** How often expired indicators (validUntil, retention: no row change) are swept out of the tables. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Builds the PRF tables in the background, off the import and publish paths: it follows the
 * indicators' change_seq (commit order) page by page, computes `prfOutput` of each lookup-eligible
 * indicator (~1 ms each) and drops the rows of indicators revoked, pseudonymized or expired. A new
 * epoch (first boot, POST /lookups/key/rotate) is built from change_seq 0 while the active one keeps
 * answering, and becomes active once it has caught up; the old epoch is retired, and its table dropped
 * after the match window (a request it evaluated just before the switch still gets its match).
 */
@Injectable()
export class LookupTableBuilder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LookupTableBuilder');
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private lastSweep = 0;

  constructor(
    private readonly store: Store,
    private readonly keys: LookupKeys,
    @Inject(LOOKUP_CONFIG) private readonly config: LookupConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** Starts a new key epoch (its key in the data dir, its table empty); the builder fills it, then switches. */
  async rotate(): Promise<LookupEpochRecord> {
    const epoch = await this.store.lookups.startEpoch();
    this.keys.create(epoch.epoch);
    this.wake?.();
    return epoch;
  }

  /** One pass over every building or active epoch; true when some page had work. Exposed for tests. */
  async step(): Promise<boolean> {
    let epochs = await this.store.lookups.epochs();
    if (epochs.length === 0) {
      await this.rotate();
      epochs = await this.store.lookups.epochs();
    }
    let busy = false;
    for (const epoch of epochs) {
      const key = this.keys.get(epoch.epoch);
      if (!key) {
        this.logger.error(`no OPRF key for lookup epoch ${epoch.epoch} in the data dir; POST /api/v1/lookups/key/rotate starts a new one`);
        continue;
      }
      busy = (await this.page(epoch, key)) || busy;
    }
    // A retired epoch's table answers the matches of requests evaluated before the switch, then goes.
    const retired = await this.store.lookups.dropRetired(new Date(Date.now() - this.config.matchWindowMs));
    for (const epoch of retired.epochs) if (this.keys.destroy(epoch)) this.logger.log(`lookup epoch ${epoch} retired: its table dropped, its key destroyed`);
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      const swept = await this.store.lookups.sweep();
      if (swept) this.logger.log(`${swept} expired indicators left the lookup tables`);
    }
    return busy;
  }

  private async page(epoch: LookupEpochRecord, key: LookupServerKey): Promise<boolean> {
    const page = await this.store.lookups.sourcePage(epoch.builtSeq, this.config.tablePage);
    if (page.lastSeq === null) {
      if (epoch.state === 'building') {
        await this.store.lookups.activate(epoch.epoch);
        this.logger.log(`lookup epoch ${epoch.epoch} is complete and answers from now on (the previous table is kept for the match window)`);
      }
      return false;
    }
    const entries: { pk: string; prfOutput: string }[] = [];
    const removed = [...page.ineligible];
    for (const [i, source] of page.eligible.entries()) {
      const output = outputOf(key, source);
      if (output) entries.push({ pk: source.pk, prfOutput: output });
      else removed.push(source.pk);
      // ~1 ms each: let HTTP and NATS handlers in between.
      if (i % 25 === 24) await new Promise((r) => setImmediate(r));
    }
    await this.store.lookups.applyPage(epoch.epoch, entries, removed, page.lastSeq);
    return true;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      try {
        busy = await this.step();
      } catch (err) {
        this.logger.warn(`lookup table: ${errorMessage(err)}`);
      }
      if (!busy && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.config.tableIdleMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}

function outputOf(key: LookupServerKey, s: LookupSource): string | null {
  const input = lookupInput({ type: s.type as IndicatorType, value: s.value, platform: s.platform ?? undefined, chain: s.chain ?? undefined });
  return input.ok ? prfOutput(key, input.input) : null;
}
