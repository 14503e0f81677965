import { Injectable } from '@nestjs/common';

/**
 * Who may write the node's outbound chains right now: one export pass, or one disclosure release,
 * at a time. A pass asked for while a turn runs is run once after it (through the exporter's nudge),
 * so a release never links to a head a running pass is about to move.
 */
@Injectable()
export class ExportTurns {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private nudge: () => void = () => undefined;

  /** The exporter's nudge: called when a pass was asked for while another turn ran. */
  onPassWanted(nudge: () => void): void {
    this.nudge = nudge;
  }

  /** Runs `pass` now, or asks for one after the running turn and waits for that turn. */
  pass(pass: () => Promise<void>): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = pass().finally(() => this.ended());
    return this.running;
  }

  /** Runs `work` while no export pass runs (and none starts): a pass asked for meanwhile runs after it. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.running) await this.running;
    const result = work();
    this.running = result.then(
      () => undefined,
      () => undefined,
    ).finally(() => this.ended());
    return result;
  }

  /** No pass is asked for any more; resolves when the running turn ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private ended(): void {
    this.running = null;
    if (this.again && !this.stopped) {
      this.again = false;
      this.nudge();
    }
  }
}
