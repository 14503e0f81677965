export { Store } from './store';
export { openStore } from './store.open';
export { StoreModule, type StoreModuleAsyncOptions } from './store.module';
export { PARTNER_ROLE, TOKEN_PREFIX } from './repositories/token.repository';
export type { KeyRepository } from './repositories/key.repository';
export type { PartnerRepository } from './repositories/partner.repository';
export type { TokenRepository } from './repositories/token.repository';
export type { IndicatorRepository, OwnPage, ReleaseCandidate } from './repositories/indicator.repository';
export type { BundleRepository } from './repositories/bundle.repository';
export type { ImportRepository } from './repositories/import.repository';
export type { QuarantineRepository } from './repositories/quarantine.repository';
export type { ReceiptRepository } from './repositories/receipt.repository';
export type { DecisionRepository } from './repositories/decision.repository';
export type { ExportDecisionRepository } from './repositories/export-decision.repository';
export type { AgreementRepository } from './repositories/agreement.repository';
export type { PolicyRepository } from './repositories/policy.repository';
export type { AuditRepository } from './repositories/audit.repository';
export { NEAR_MATCH_LIMIT, type NearMatch, type NearMatchRepository, type NearMatchResult } from './repositories/near-match.repository';
export {
  AUDIT_CHECKPOINT_SPEC,
  AUDIT_ENTRY_SPEC,
  AuditChainChecker,
  auditCheckpointBytes,
  auditEntryHash,
  type AuditChainFields,
  type AuditChainProblem,
  type AuditCheckpointStatement,
} from './repositories/audit.chain';
export type { RetentionRepository } from './repositories/retention.repository';
export type { ImportObject, ImportOutcome, ImportSession, ImportSource, StixImportRepository } from './repositories/stix-import.repository';
export { MAX_SIGHTING_COUNT, type NewSighting, type SightingPageQuery, type SightingRecord, type SightingRepository } from './repositories/sighting.repository';
export type { SightingFeedbackStatus, SightingReport } from './repositories/sighting.report';
export type {
  CollectionEntry,
  CollectionPage,
  CollectionPageQuery,
  CollectionPosition,
  TaxiiRepository,
  VersionBounds,
} from './repositories/taxii.repository';
export type {
  ActorRef,
  AgreementCommand,
  AgreementDirection,
  AgreementFilter,
  AgreementPurpose,
  AgreementRecord,
  AgreementStateName,
  AuditCheckpointRecord,
  AuditEntryFilter,
  AuditEventInput,
  AuditEventRecord,
  AuditFilter,
  BackfillState,
  NewAgreement,
  NewPolicyVersion,
  PolicyVersionRecord,
  PolicyVersionSummary,
  PurgeResult,
} from './governance.types';
export type {
  ApiTokenRecord,
  BundleRecord,
  BundleSummary,
  ChainReceiptStatus,
  ChainDeliveryCounts,
  IncomingReceipt,
  OutgoingReceipt,
  PendingReceipt,
  ReceiptRecord,
  DecisionFacts,
  DecisionRecord,
  ExportDecisionAction,
  ExportDecisionInput,
  ExportDecisionRecord,
  ImportCommit,
  ImportEntryDecision,
  ImportRevocation,
  InboundWithDecisions,
  IndicatorProvenance,
  IndicatorRecord,
  IndicatorSearch,
  NodeKeyRecord,
  OutboundBatch,
  OutboundBundle,
  Page,
  PartnerRecord,
  PendingExport,
  PendingRelay,
  IndicatorHistoryEvent,
  QuarantineInput,
  QuarantineRecord,
  QuarantineSummary,
  SignedBundle,
  StoreOptions,
  UpsertOwnResult,
} from './store.types';
export type { FeedLogRepository, LogCheckpointRecord, LogWitnessRecord, NewLogCheckpoint } from './repositories/feed-log.repository';
export type { LogForkRecord, LogPartnerRepository, LogPartnerState } from './repositories/log-partner.repository';
export { statementHash, type KeyHistoryRepository, type KeyRevocationReason, type KeyStatementRecord, type OwnKeyRecord, type PartnerKeyRecord, type PendingKeyStatement, type StatementBytes } from './repositories/key-history.repository';
export type { LookupEpochRecord, LookupRepository, LookupSource, LookupSourcePage, LookupTableProgress } from './repositories/lookup.repository';
export { ALERT_KINDS, type AlertFilter, type AlertKind, type AlertMatch, type AlertRecord, type AlertRepository, type AlertSource, type AlertState, type ChangedIndicator, type CorrelationPage } from './repositories/alert.repository';
export { type FeedbackOutboxRepository, type OutgoingFeedback, type PendingFeedback } from './repositories/feedback-outbox.repository';
export type { IncomingSighting, IncomingSightingOutcome, PartnerSightingCounts, PartnerSightingRepository } from './repositories/partner-sighting.repository';
export type { DisputeFields, DisputeFilter, DisputeReceiveStatus, DisputeRepository, DisputeSend, IncomingDispute, IncomingResolution, NewOutgoingDispute, ResolutionApplyStatus } from './repositories/dispute.repository';
export type { DisputeDelivery, DisputeDirection, DisputeKindName, DisputeRecord, DisputeStateName } from './repositories/dispute.sql';
export { type DisclosureRepository, type ReceiveOutcome } from './repositories/disclosure.repository';
export type {
  AnsweredHit,
  AskedHit,
  DecisionSend,
  DisclosureDirection,
  DisclosureFilter,
  DisclosureIndicatorRef,
  DisclosureRecord,
  DisclosureState,
  LookupHitRecord,
  NewDisclosure,
  PlannedIndicator,
  ReceivedDecision,
  StandingReleases,
} from './repositories/disclosure.types';
