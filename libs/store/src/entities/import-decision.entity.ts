import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The import policy's decision on one entry of one inbound bundle, with the deciding rule ids. */
@Entity({ tableName: 'import_decision' })
export class ImportDecisionEntity {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @Property({ type: 'text' })
  bundleHash!: string;

  @Property({ type: 'integer' })
  entryIndex!: number;

  @Property({ type: 'text' })
  originNode!: string;

  @Property({ type: 'text' })
  originId!: string;

  @Property({ type: 'integer' })
  version!: number;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text[]' })
  reasons!: string[];

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  decidedAt!: Date;

  /** Version of the jurisdiction policy that decided; null before policy versions existed. */
  @Property({ type: 'integer', nullable: true })
  policyVersion!: number | null;

  /** The publisher's agreement the decision ran under, if any. */
  @Property({ type: 'uuid', nullable: true })
  agreementId!: string | null;

  // The policy-visible facts of the entry (never its value); null on rows older than issue 3.
  @Property({ type: 'text', nullable: true })
  type!: string | null;

  @Property({ type: 'text', nullable: true })
  tlp!: string | null;

  @Property({ type: 'integer', nullable: true })
  confidence!: number | null;

  @Property({ type: 'text[]', nullable: true })
  tags!: string[] | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  firstSeen!: Date | null;
}
