import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * An indicator, own or imported, keyed by a surrogate `pk` (for keyset pagination) and unique on
 * (originNode, originId). Written with set-based SQL (see the repositories); read through here.
 */
@Entity({ tableName: 'indicator' })
export class IndicatorEntity {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  pk!: string;

  @Property({ type: 'text' })
  originNode!: string;

  @Property({ type: 'text' })
  originId!: string;

  @Property({ type: 'boolean' })
  own!: boolean;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text', nullable: true })
  value!: string | null;

  @Property({ type: 'text', nullable: true })
  pseudonym!: string | null;

  @Property({ type: 'text', nullable: true })
  platform!: string | null;

  @Property({ type: 'text', nullable: true })
  chain!: string | null;

  @Property({ type: 'text' })
  tlp!: string;

  @Property({ type: 'integer' })
  confidence!: number;

  @Property({ type: 'text[]' })
  tags!: string[];

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  firstSeen!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  lastSeen!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  validUntil!: Date | null;

  @Property({ type: 'text', nullable: true })
  description!: string | null;

  @Property({ type: 'integer' })
  version!: number;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  modifiedAt!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Property({ type: 'text', nullable: true })
  revokeReason!: string | null;

  /** Own indicators only: the highest version already put into an outbound bundle. */
  @Property({ type: 'integer', nullable: true })
  exportedVersion!: number | null;

  @Property({ type: 'text', nullable: true })
  sourceBundleHash!: string | null;

  /** Imported indicators only: when retention requires the purge to delete it (null = no limit). */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** Imported indicators only: the node that sent the stored version when it is not the origin (migration Lifecycle). */
  @Property({ type: 'text', nullable: true })
  relayedBy!: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt!: Date;
}
