import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The audit log's newest entry (one row); appends lock it so seq follows commit order. */
@Entity({ tableName: 'audit_head' })
export class AuditHeadEntity {
  @PrimaryKey({ type: 'smallint' })
  id!: number;

  @Property({ type: new BigIntType('number') })
  seq!: number;

  @Property({ type: 'text', nullable: true })
  hash!: string | null;
}
