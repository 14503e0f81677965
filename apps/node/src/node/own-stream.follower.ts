import type { Logger } from '@nestjs/common';
import { retryUntil } from './retry.until';

/**
 * A stream this node owns and reads (the receipts about its bundles, the feedback addressed to it):
 * create it, or find it provisioned, retrying in the background until NATS answers (boot must not
 * wait for NATS), then follow it through the node's durable; stop both on shutdown.
 */
export class OwnStreamFollower {
  private follow?: { stop(): Promise<void> };
  private stopped = false;
  private starting?: Promise<void>;

  constructor(
    private readonly logger: Logger,
    /** What is created, for the one warning while it cannot be (`create the receipts stream`). */
    private readonly what: string,
    private readonly ensure: () => Promise<unknown>,
    private readonly startFollowing: () => { stop(): Promise<void> },
  ) {}

  /** Starts in the background. */
  start(): void {
    this.starting = this.run();
  }

  /** Stops creating and reading; resolves when both have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.follow?.stop();
  }

  private async run(): Promise<void> {
    if (!(await retryUntil(this.logger, this.what, () => this.stopped, this.ensure))) return;
    this.follow = this.startFollowing();
  }
}
