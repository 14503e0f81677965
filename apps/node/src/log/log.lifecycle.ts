import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LogChannel } from '@palermo/federation';
import { errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { retryUntil } from '../node/retry.until';
import { LogCheckpointWitness } from './log.checkpoint.witness';
import { LogInclusionChecker } from './log.inclusion.checker';
import { LogProofService } from './log.proof.service';
import { LogWitnessInbox } from './log.witness.inbox';

/** How often newly pinned partners are picked up, and pending inclusion proofs retried. */
const SCAN_MS = 5_000;
const RETRY_INCLUSIONS_EVERY = 6;

/**
 * Owns this node's log stream (its checkpoints, and the countersignatures it reads back), answers
 * proof requests about its log, and witnesses the log of every pinned partner through its own durable.
 */
@Injectable()
export class LogLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LogLifecycle');
  private readonly handles: { stop(): Promise<void> }[] = [];
  private readonly witnessing = new Map<string, { stop(): Promise<void> }>();
  private stopped = false;
  private starting?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private scans = 0;

  constructor(
    private readonly store: Store,
    private readonly channel: LogChannel,
    private readonly proofs: LogProofService,
    private readonly inbox: LogWitnessInbox,
    private readonly witness: LogCheckpointWitness,
    private readonly inclusions: LogInclusionChecker,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.handles.push(this.channel.serveProofs(this.config.nodeId, this.proofs.answerBytes));
    // In the background: the stream needs NATS, and boot must not wait for it.
    this.starting = this.start();
    this.timer = setInterval(() => void this.scan(), SCAN_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.starting;
    await Promise.all([...this.handles, ...this.witnessing.values()].map((h) => h.stop()));
  }

  private async start(): Promise<void> {
    await this.scan();
    if (!(await retryUntil(this.logger, 'create the feed-log stream', () => this.stopped, () => this.channel.ensureStream(this.config.nodeId)))) return;
    this.handles.push(this.channel.followWitnesses({ publisher: this.config.nodeId, handler: this.inbox.handle }));
  }

  /** Witness every pinned partner's log (a partner pinned since the last scan included). */
  private async scan(): Promise<void> {
    if (this.stopped) return;
    try {
      const retry = ++this.scans % RETRY_INCLUSIONS_EVERY === 0;
      for (const { nodeId } of await this.store.partners.list()) {
        if (!this.witnessing.has(nodeId)) {
          this.witnessing.set(nodeId, this.channel.followCheckpoints({ witness: this.config.nodeId, publisher: nodeId, handler: this.witness.handle }));
          this.inclusions.kick(nodeId);
        } else if (retry) {
          this.inclusions.retryDue(nodeId);
        }
      }
    } catch (err) {
      this.logger.warn(`feed-log partner scan: ${errorMessage(err)}`);
    }
  }
}
