import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Store, type PurgeResult } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';

/**
 * Retention: imported indicators expire as their agreement says; this job deletes what expired
 * (values and pseudonyms), redacts expired inbound bundle bytes and old quarantined payloads, and
 * the store records each purge in the audit trail. Runs at boot and every `retention.purgeIntervalMs`.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RetentionService');
  private timer?: NodeJS.Timeout;
  private running: Promise<PurgeResult | null> | null = null;

  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purgeNow(), this.config.retention.purgeIntervalMs);
    this.timer.unref();
    void this.purgeNow();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Purges now (or joins the purge in progress); null when it failed (logged; the next run retries). */
  purgeNow(now = new Date()): Promise<PurgeResult | null> {
    this.running ??= this.store.retention
      .purgeExpired(now, this.config.retention.quarantineDays)
      .then((result) => {
        if (result.indicators || result.bundlesRedacted || result.quarantineCleared) {
          this.logger.log(`purged ${result.indicators} expired indicator(s), redacted ${result.bundlesRedacted} bundle(s), cleared ${result.quarantineCleared} quarantined payload(s)`);
        }
        return result;
      })
      .catch((err) => {
        this.logger.warn(`retention purge failed, will retry: ${(err as Error).message}`);
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** The recorded purges, newest first. */
  purges(cursor?: string, limit = 50) {
    return this.store.audit.list({ action: 'retention.purge', cursor, limit });
  }
}
