import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The export policy's decision on one own indicator version for one audience (or its revocation entry). */
@Entity({ tableName: 'export_decision' })
export class ExportDecisionEntity {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @Property({ type: 'text' })
  audience!: string;

  @Property({ type: 'text' })
  originId!: string;

  @Property({ type: 'integer' })
  version!: number;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text[]' })
  reasons!: string[];

  @Property({ type: 'integer', nullable: true })
  policyVersion!: number | null;

  @Property({ type: 'uuid', nullable: true })
  agreementId!: string | null;

  /** The bundle that carried the entry; null when withheld. */
  @Property({ type: 'text', nullable: true })
  bundleHash!: string | null;

  @Property({ type: 'integer', nullable: true })
  entryIndex!: number | null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  decidedAt!: Date;
}
