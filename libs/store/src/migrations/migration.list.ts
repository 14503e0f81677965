import { Migration20261129000000AgreementsPolicy } from './agreements-policy.migration';
import { Migration20261130000400AuditChain } from './audit-chain.migration';
import { Migration20261206000500ImageHashIndex } from './image-hash-index.migration';
import { Migration20251128000000InitialSchema } from './initial-schema.migration';
import { Migration20261130000500Receipts } from './receipts.migration';
import { Migration20261130000100Sightings } from './sightings.migration';
import { Migration20261130000200StixImport } from './stix-import.migration';
import { Migration20261130000300Taxii } from './taxii.migration';
import { Migration20261206000100EncryptedBundles } from './encrypted-bundles.migration';
import { Migration20261206000300KeyHistory } from './key-history.migration';
import { Migration20261206000400FeedLog } from './feed-log.migration';
import { Migration20261206000600Lookups } from './lookups.migration';
import { Migration20261206000700Lifecycle } from './lifecycle.migration';
import { Migration20261206000800Alerts } from './alerts.migration';
import { Migration20261206000900FeedbackOutbox } from './feedback-outbox.migration';
import { Migration20261206001000SightingsDisputes } from './sightings-disputes.migration';
import { Migration20261206001100Disclosures } from './disclosures.migration';

/** Every migration in order, as class references (works under vitest, tsc output and bundlers). */
export const MIGRATIONS = [
  { name: 'Migration20251128000000InitialSchema', class: Migration20251128000000InitialSchema },
  { name: 'Migration20261129000000AgreementsPolicy', class: Migration20261129000000AgreementsPolicy },
  { name: 'Migration20261130000100Sightings', class: Migration20261130000100Sightings },
  { name: 'Migration20261130000200StixImport', class: Migration20261130000200StixImport },
  { name: 'Migration20261130000300Taxii', class: Migration20261130000300Taxii },
  { name: 'Migration20261130000400AuditChain', class: Migration20261130000400AuditChain },
  { name: 'Migration20261130000500Receipts', class: Migration20261130000500Receipts },
  { name: 'Migration20261206000100EncryptedBundles', class: Migration20261206000100EncryptedBundles },
  { name: 'Migration20261206000300KeyHistory', class: Migration20261206000300KeyHistory },
  { name: 'Migration20261206000400FeedLog', class: Migration20261206000400FeedLog },
  { name: 'Migration20261206000500ImageHashIndex', class: Migration20261206000500ImageHashIndex },
  { name: 'Migration20261206000600Lookups', class: Migration20261206000600Lookups },
  { name: 'Migration20261206000700Lifecycle', class: Migration20261206000700Lifecycle },
  { name: 'Migration20261206000800Alerts', class: Migration20261206000800Alerts },
  { name: 'Migration20261206000900FeedbackOutbox', class: Migration20261206000900FeedbackOutbox },
  { name: 'Migration20261206001000SightingsDisputes', class: Migration20261206001000SightingsDisputes },
  { name: 'Migration20261206001100Disclosures', class: Migration20261206001100Disclosures },
];
