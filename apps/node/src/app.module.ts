import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { FederationModule, nodeInboxPrefix } from '@palermo/federation';
import { StoreModule } from '@palermo/store';
import { AgreementsController } from './agreements/agreements.controller';
import { AgreementsService } from './agreements/agreements.service';
import { AuditCheckpointer } from './audit/audit.checkpointer';
import { AuditController } from './audit/audit.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditRefusalMiddleware } from './audit/audit.refusal.middleware';
import { AuditService } from './audit/audit.service';
import { TokenGuard } from './auth/token.guard';
import { BundlesController } from './bundles/bundles.controller';
import { BundlesService } from './bundles/bundles.service';
import type { NodeConfig } from './config/node.config';
import { HttpErrorFilter } from './errors/http-exception.filter';
import { ExportPlanner } from './export/export.planner';
import { RelayPlanner } from './export/relay.planner';
import { DisclosureRelease } from './export/disclosure.release';
import { ExportService } from './export/export.service';
import { ExportSigner } from './export/export.signer';
import { ExportTurns } from './export/export.turns';
import { OutboundMessages } from './export/outbound.message';
import { HealthController, LivenessController } from './health/health.controller';
import { BundleVerifier } from './import/bundle.verifier';
import { ImportDecider } from './import/import.decider';
import { ImportService } from './import/import.service';
import { QuarantineController } from './import/quarantine.controller';
import { IndicatorsController } from './indicators/indicators.controller';
import { IndicatorsService } from './indicators/indicators.service';
import { InteropImportController } from './interop/interop-import.controller';
import { ImportSessionService } from './interop/import-session.service';
import { MispImportService } from './interop/misp-import.service';
import { StixImportService } from './interop/stix-import.service';
import type { NodeKeys } from './keys/node-keys';
import { FeedLifecycle } from './node/feed.lifecycle';
import { NODE_CONFIG, NODE_KEYS } from './node/node-context';
import { NodeIdentityCheck } from './node/node-identity.check';
import { NodeController } from './node/node.controller';
import { PartnersController } from './node/partners.controller';
import { PartnersService } from './node/partners.service';
import { PolicyController } from './policy/policy.controller';
import { PolicyHolder } from './policy/policy.holder';
import { PolicyService } from './policy/policy.service';
import { PolicySimulator } from './policy/policy.simulator';
import { ReceiptInbox } from './receipts/receipt.inbox';
import { ReceiptIssuer } from './receipts/receipt.issuer';
import { ReceiptOutbox } from './receipts/receipt.outbox';
import { ReceiptsLifecycle } from './receipts/receipts.lifecycle';
import { FeedbackHandlers } from './feedback/feedback.handlers';
import { FeedbackInbox } from './feedback/feedback.inbox';
import { FeedbackLifecycle } from './feedback/feedback.lifecycle';
import { FeedbackOutbox } from './feedback/feedback.outbox';
import { FeedbackSigner } from './feedback/feedback.signer';
// Disclosures after a lookup hit (issue 5 item 5).
import { DisclosureFeedback } from './disclosures/disclosure.feedback';
import { DisclosuresController } from './disclosures/disclosures.controller';
import { DisclosuresService } from './disclosures/disclosures.service';
import { DeliveryStatus } from './receipts/delivery.status';
import { RetentionController } from './retention/retention.controller';
import { RetentionService } from './retention/retention.service';
import { StixExportController } from './interop/stix-export.controller';
import { StixExportService } from './interop/stix-export.service';
import { TaxiiController } from './taxii/taxii.controller';
import { TaxiiService } from './taxii/taxii.service';
import { SightingsController } from './sightings/sightings.controller';
import { SightingsService } from './sightings/sightings.service';
import { VocabularyController } from './vocabulary/vocabulary.controller';
import { VocabularyService } from './vocabulary/vocabulary.service';
import { RESYNC_CONFIG, loadResyncConfig } from './config/resync.config';
import { ALERTS_CONFIG, loadAlertsConfig } from './config/alerts.config';
import { AlertCorrelator } from './alerts/alert.correlator';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { ChainStates } from './resync/chain.states';
import { GapHealer } from './resync/gap.healer';
import { ResyncClient } from './resync/resync.client';
import { ResyncController } from './resync/resync.controller';
import { ResyncLifecycle } from './resync/resync.lifecycle';
import { ResyncResponder } from './resync/resync.responder';
import { ResyncService } from './resync/resync.service';
import { LogCheckpointer } from './log/log.checkpointer';
import { LogCheckpointWitness } from './log/log.checkpoint.witness';
import { LogController } from './log/log.controller';
import { LogInclusionChecker } from './log/log.inclusion.checker';
import { LogLifecycle } from './log/log.lifecycle';
import { LogProofClient } from './log/log.proof.client';
import { LogProofService } from './log/log.proof.service';
import { LogService } from './log/log.service';
import { LogWitnessInbox } from './log/log.witness.inbox';
import { KeyOutbox } from './keys/key.outbox';
import { KeyStatementInbox } from './keys/key-statement.inbox';
import { KeysController } from './keys/keys.controller';
import { KeysLifecycle } from './keys/keys.lifecycle';
import { KeysService } from './keys/keys.service';
import { SignerKeys } from './keys/signer.keys';
import { OwnKeyRing } from './keys/own-key.ring';
import { LOOKUP_CONFIG, loadLookupConfig } from './config/lookup.config';
import { LookupKeys } from './lookups/lookup.keys';
import { LookupLifecycle } from './lookups/lookup.lifecycle';
import { LookupQuerier } from './lookups/lookup.querier';
import { LookupResponder } from './lookups/lookup.responder';
import { LookupTableBuilder } from './lookups/lookup.table';
import { LookupsController } from './lookups/lookups.controller';
import { LookupsService } from './lookups/lookups.service';
// Sightings and disputes as feedback (issue 5 item 3).
import { DisputeFeedbackHandler } from './disputes/dispute.feedback';
import { DisputesController } from './disputes/disputes.controller';
import { DisputesService } from './disputes/disputes.service';
import { IndicatorFeedbackController } from './disputes/indicator-feedback.controller';
import { IndicatorFeedbackService } from './disputes/indicator-feedback.service';
import { FeedbackPeers } from './feedback/feedback.peers';
import { FeedbackSender } from './feedback/feedback.sender';
import { SightingFeedbackHandler } from './sightings/sighting.feedback';

/** Where the store lives: PostgreSQL when DATABASE_URL is set, else PGlite in the data dir. */
export function storeOptions(config: NodeConfig) {
  return config.databaseUrl ? { databaseUrl: config.databaseUrl } : { pgliteDir: join(config.dataDir, 'pglite') };
}

/**
 * How the node reaches NATS: its replies under `_INBOX.<node id>` (a server that isolates nodes grants
 * each only its own inbox), and its nkey when the server authenticates nodes (deploy/nats).
 */
export function federationOptions(config: NodeConfig) {
  const nkeySeed = config.natsNkeySeedFile ? readFileSync(config.natsNkeySeedFile, 'utf8').trim() : undefined;
  return { natsUrl: config.natsUrl, name: `palermo-${config.nodeId}`, inboxPrefix: nodeInboxPrefix(config.nodeId), nkeySeed };
}

/** One agency's node: HTTP API, exporter and importer in one process. */
@Module({})
export class AppModule implements NestModule {
  /** Writes refused by the token guard (403) are audited after the answer (guards run before interceptors). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuditRefusalMiddleware).forRoutes('{*splat}');
  }

  static forRoot(config: NodeConfig, keys: NodeKeys): DynamicModule {
    return {
      module: AppModule,
      imports: [StoreModule.forRoot(storeOptions(config)), FederationModule.forRoot(federationOptions(config))],
      controllers: [
        IndicatorsController,
        BundlesController,
        NodeController,
        PartnersController,
        AgreementsController,
        PolicyController,
        RetentionController,
        HealthController,
        LivenessController,
        QuarantineController,
        InteropImportController,
        TaxiiController,
        StixExportController,
        SightingsController,
        VocabularyController,
        AuditController,
        ResyncController,
        LogController,
        KeysController,
        LookupsController,
        AlertsController,
        // Sightings and disputes as feedback (issue 5 item 3).
        DisputesController,
        IndicatorFeedbackController,
        DisclosuresController,
      ],
      providers: [
        { provide: NODE_CONFIG, useValue: config },
        { provide: NODE_KEYS, useValue: keys },
        { provide: APP_GUARD, useClass: TokenGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        NodeIdentityCheck,
        IndicatorsService,
        BundlesService,
        PartnersService,
        FeedLifecycle,
        ExportPlanner,
        RelayPlanner,
        ExportService,
        ExportTurns,
        ExportSigner,
        DisclosureRelease,
        OutboundMessages,
        BundleVerifier,
        ImportDecider,
        ImportService,
        PolicyHolder,
        PolicyService,
        PolicySimulator,
        AgreementsService,
        RetentionService,
        ImportSessionService,
        StixImportService,
        MispImportService,
        TaxiiService,
        StixExportService,
        SightingsService,
        VocabularyService,
        AuditCheckpointer,
        AuditService,
        ReceiptIssuer,
        ReceiptOutbox,
        ReceiptInbox,
        FeedbackHandlers,
        FeedbackSigner,
        FeedbackOutbox,
        FeedbackInbox,
        FeedbackLifecycle,
        DisclosuresService,
        DisclosureFeedback,
        ReceiptsLifecycle,
        { provide: RESYNC_CONFIG, useFactory: () => loadResyncConfig() },
        ChainStates,
        ResyncClient,
        GapHealer,
        ResyncResponder,
        ResyncLifecycle,
        ResyncService,
        LogCheckpointer,
        LogProofService,
        LogProofClient,
        LogWitnessInbox,
        LogInclusionChecker,
        LogCheckpointWitness,
        LogService,
        LogLifecycle,
        KeysService,
        KeyOutbox,
        KeyStatementInbox,
        KeysLifecycle,
        SignerKeys,
        OwnKeyRing,
        DeliveryStatus,
        { provide: LOOKUP_CONFIG, useFactory: () => loadLookupConfig() },
        LookupKeys,
        LookupTableBuilder,
        LookupResponder,
        LookupQuerier,
        LookupsService,
        LookupLifecycle,
        { provide: ALERTS_CONFIG, useFactory: () => loadAlertsConfig() },
        AlertCorrelator,
        AlertsService,
        // Sightings and disputes as feedback (issue 5 item 3).
        FeedbackPeers,
        FeedbackSender,
        SightingFeedbackHandler,
        DisputesService,
        DisputeFeedbackHandler,
        IndicatorFeedbackService,
      ],
    };
  }
}
