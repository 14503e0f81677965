export { Store } from './store';
export { openStore } from './store.open';
export { StoreModule, type StoreModuleAsyncOptions } from './store.module';
export { TOKEN_PREFIX } from './repositories/token.repository';
export type { KeyRepository } from './repositories/key.repository';
export type { PartnerRepository } from './repositories/partner.repository';
export type { TokenRepository } from './repositories/token.repository';
export type { IndicatorRepository } from './repositories/indicator.repository';
export type { BundleRepository } from './repositories/bundle.repository';
export type { ImportRepository } from './repositories/import.repository';
export type { QuarantineRepository } from './repositories/quarantine.repository';
export type { DecisionRepository } from './repositories/decision.repository';
export type {
  ApiTokenRecord,
  BundleRecord,
  BundleSummary,
  DecisionRecord,
  ImportCommit,
  ImportEntryDecision,
  ImportRevocation,
  IndicatorProvenance,
  IndicatorRecord,
  IndicatorSearch,
  NodeKeyRecord,
  OutboundBatch,
  OutboundBundle,
  Page,
  PartnerRecord,
  PendingExport,
  QuarantineInput,
  QuarantineRecord,
  QuarantineSummary,
  SignedBundle,
  StoreOptions,
  UpsertOwnResult,
} from './store.types';
