import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A signed statement of the audit log's head (seq, hash) at one moment (a trigger refuses changes). */
@Entity({ tableName: 'audit_checkpoint' })
export class AuditCheckpointEntity {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @Property({ type: 'text' })
  node!: string;

  @Property({ type: new BigIntType('number') })
  seq!: number;

  @Property({ type: 'text' })
  hash!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  at!: Date;

  @Property({ type: 'text' })
  signer!: string;

  @Property({ type: 'text' })
  signature!: string;
}
