import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A permanent revocation by an origin, kept even when the indicator itself is not stored. */
@Entity({ tableName: 'indicator_revocation' })
export class IndicatorRevocationEntity {
  @PrimaryKey({ type: 'text' })
  originNode!: string;

  @PrimaryKey({ type: 'text' })
  originId!: string;

  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: 'text' })
  bundleHash!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  revokedAt!: Date;

  /** The node that relayed the origin's revocation, or null when the origin sent it (migration Lifecycle). */
  @Property({ type: 'text', nullable: true })
  relayedBy!: string | null;
}
