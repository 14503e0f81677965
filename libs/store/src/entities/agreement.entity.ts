import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A sharing agreement with one partner (data, four-eyes). Written by AgreementRepository only;
 * at most one per partner is active or suspended (partial unique index agreement_one_current).
 */
@Entity({ tableName: 'agreement' })
export class AgreementEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  partner!: string;

  @Property({ type: 'text[]' })
  directions!: string[];

  @Property({ type: 'text[]' })
  types!: string[];

  @Property({ type: 'text' })
  maxTlp!: string;

  @Property({ type: 'text[]' })
  purposes!: string[];

  @Property({ type: 'integer', nullable: true })
  retentionDays!: number | null;

  @Property({ type: 'text[]' })
  pseudonymize!: string[];

  @Property({ type: 'boolean' })
  lookups!: boolean;

  /** Every bundle on the partner's chain is encrypted to its key (migration EncryptedBundles). */
  @Property({ type: 'boolean' })
  encrypt!: boolean;

  /** Onward sharing of relayed indicators (migration Lifecycle). */
  @Property({ type: 'boolean' })
  onward!: boolean;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  validFrom!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  validUntil!: Date | null;

  @Property({ type: 'text' })
  state!: string;

  @Property({ type: 'text', nullable: true })
  stateReason!: string | null;

  @Property({ type: 'text', nullable: true })
  note!: string | null;

  @Property({ type: 'uuid' })
  createdByToken!: string;

  @Property({ type: 'text' })
  createdByName!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'uuid', nullable: true })
  approvedByToken!: string | null;

  @Property({ type: 'text', nullable: true })
  approvedByName!: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Property({ type: 'uuid', nullable: true })
  suspendedByToken!: string | null;

  @Property({ type: 'text', nullable: true })
  suspendedByName!: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  suspendedAt!: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt!: Date;

  /** Backfill cursor: the last own indicator pk sent to this partner's chain. */
  @Property({ type: new BigIntType('string'), nullable: true })
  backfillPk!: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  backfilledAt!: Date | null;
}
