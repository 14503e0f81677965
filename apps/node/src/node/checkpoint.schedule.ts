import type { Logger } from '@nestjs/common';
import { errorMessage } from '@palermo/indicators';

/**
 * When a log's head is signed: every `intervalMs` (the round itself decides whether the head moved),
 * once at boot, and on demand. One round at a time; a caller arriving during a round joins it and
 * gets its result. A failed scheduled round is logged and tried again at the next interval.
 */
export class CheckpointSchedule<T> {
  private timer?: NodeJS.Timeout;
  private running: Promise<T> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly round: () => Promise<T>,
  ) {}

  /** Starts the timer and a first round, in the background. */
  start(): void {
    this.timer = setInterval(() => void this.scheduled(), this.intervalMs);
    this.timer.unref();
    void this.scheduled();
  }

  /** Stops the timer; resolves when the round in progress ended (its failure is not rethrown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => null);
  }

  /** A round now, or the one in progress. */
  now(): Promise<T> {
    this.running ??= this.round().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async scheduled(): Promise<void> {
    try {
      await this.now();
    } catch (err) {
      this.logger.warn(`${this.what} failed, will retry: ${errorMessage(err)}`);
    }
  }
}
