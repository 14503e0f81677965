import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NatsConnection } from '@palermo/federation';
import { Store } from '@palermo/store';
import { ANY_ROLE, Public, Roles } from '../auth/roles';
import { ExportService } from '../export/export.service';
import { FeedLifecycle } from '../node/feed.lifecycle';
import { ChainStates } from '../resync/chain.states';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly nats: NatsConnection,
    private readonly store: Store,
    private readonly feeds: FeedLifecycle,
    private readonly chains: ChainStates,
    private readonly exporter: ExportService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  @Get('health')
  @ApiBearerAuth()
  @Roles(...ANY_ROLE)
  @ApiOperation({ summary: 'Broker connection, database, followed feeds, unpublished receipts and feedback; 503 when a dependency is down' })
  async health(@Res({ passthrough: true }) res: Response) {
    const nats = this.nats.health();
    const database = await this.store.health();
    const ok = nats.connected && database.ok;
    // Receipts this node issued that no publisher's stream has acknowledged yet (a stuck outbox is visible).
    const receiptsPending = database.ok ? await this.store.receipts.pendingCount().catch(() => null) : null;
    // Own key statements (rotations, revocations) the key stream has not acknowledged yet.
    const keyStatementsPending = database.ok ? await this.store.keyHistory.pendingOut(1000).then((p) => p.length).catch(() => null) : null;
    // Signed feedback (sightings, disputes, disclosures) no partner's stream has acknowledged yet, per partner.
    const feedbackPending = database.ok ? await this.store.feedbackOutbox.pendingCounts().catch(() => null) : null;
    // Lookup tables per OPRF key epoch: built up to which indicator change, of how many (builtSeq = headSeq: complete).
    const lookups = database.ok ? await this.store.lookups.progress().catch(() => null) : null;
    res.status(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'degraded',
      nodeId: this.config.nodeId,
      nats,
      database,
      following: this.feeds.followed(),
      receipts: { pending: receiptsPending },
      feedback: { pending: feedbackPending },
      // Partners' chains not whole right now, by state (details per partner: GET /partners/:id/status).
      chains: this.chains.summary(),
      keyStatements: { pending: keyStatementsPending },
      // Own chains that wait because their next bundle cannot be sent (e.g. a partner key that cannot be encrypted to).
      export: { held: this.exporter.heldAudiences() },
      lookups: { epochs: lookups },
    };
  }
}

/** Liveness for process managers: answers without a token and reveals nothing. */
@Controller()
export class LivenessController {
  @Get('healthz')
  @Public()
  @ApiOperation({ summary: 'Liveness probe (no token, no details)' })
  live() {
    return { status: 'alive' };
  }
}
