import type { Logger } from '@nestjs/common';
import { errorMessage } from '@palermo/indicators';

/**
 * A background job that runs at most once at a time: kicked by whoever made work for it, ticked by
 * a timer for work nobody kicked for, and stopped on shutdown. A kick during a run asks for one more
 * run after it (kicks coalesce, so a burst of kicks costs two runs, not one per kick). A failed run
 * is logged under `label` and retried by the next kick or tick.
 */
export class KickedWorker<A = undefined> {
  private running?: Promise<void>;
  private again = false;
  private halted = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly logger: Logger,
    private readonly label: string,
    private readonly run: (arg: A | undefined) => Promise<void>,
  ) {}

  /** True once stop() was called: a long run checks it between steps. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Calls `tick` (a plain kick by default) every `everyMs`, without keeping the process alive. */
  every(everyMs: number, tick: () => void = () => this.kick()): void {
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  /** Run now, or once more after the run in progress (which then gets no `arg`). */
  kick(arg?: A): void {
    if (this.halted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run(arg)
      .catch((err) => this.logger.warn(`${this.label}: ${errorMessage(err)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no run is in progress (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No more runs; resolves when the one in progress ended. */
  async stop(): Promise<void> {
    this.halted = true;
    clearInterval(this.timer);
    await this.running;
  }
}
