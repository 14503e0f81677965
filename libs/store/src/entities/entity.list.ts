import { ApiTokenEntity } from './api-token.entity';
import { BundleEntity } from './bundle.entity';
import { ImportDecisionEntity } from './import-decision.entity';
import { IndicatorRevocationEntity } from './indicator-revocation.entity';
import { IndicatorEntity } from './indicator.entity';
import { NodeKeyEntity } from './node-key.entity';
import { PartnerEntity } from './partner.entity';
import { QuarantineEntity } from './quarantine.entity';

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
];

export {
  ApiTokenEntity,
  BundleEntity,
  ImportDecisionEntity,
  IndicatorEntity,
  IndicatorRevocationEntity,
  NodeKeyEntity,
  PartnerEntity,
  QuarantineEntity,
};
