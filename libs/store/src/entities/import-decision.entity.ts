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
}
