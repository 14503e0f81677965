import { AgreementEntity } from './agreement.entity';
import { ApiTokenEntity } from './api-token.entity';
import { AuditEventEntity } from './audit-event.entity';
import { BundleEntity } from './bundle.entity';
import { ExportDecisionEntity } from './export-decision.entity';
import { ImportDecisionEntity } from './import-decision.entity';
import { IndicatorRevocationEntity } from './indicator-revocation.entity';
import { IndicatorEntity } from './indicator.entity';
import { NodeKeyEntity } from './node-key.entity';
import { PartnerEntity } from './partner.entity';
import { PolicyVersionEntity } from './policy-version.entity';
import { QuarantineEntity } from './quarantine.entity';
import { SightingEntity } from './sighting.entity';

/** Every entity of the store, registered explicitly (no folder discovery, no reflection). */
export const ENTITIES = [
  NodeKeyEntity,
  PartnerEntity,
  ApiTokenEntity,
  BundleEntity,
  IndicatorEntity,
  IndicatorRevocationEntity,
  ImportDecisionEntity,
  QuarantineEntity,
  AgreementEntity,
  AuditEventEntity,
  PolicyVersionEntity,
  ExportDecisionEntity,
  SightingEntity,
];

export {
  AgreementEntity,
  ApiTokenEntity,
  AuditEventEntity,
  BundleEntity,
  ExportDecisionEntity,
  ImportDecisionEntity,
  IndicatorEntity,
  IndicatorRevocationEntity,
  NodeKeyEntity,
  PartnerEntity,
  PolicyVersionEntity,
  QuarantineEntity,
  SightingEntity,
};
