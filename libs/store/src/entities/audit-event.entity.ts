import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One entry of the append-only, hash-chained audit log (triggers refuse UPDATE, DELETE and TRUNCATE). */
@Entity({ tableName: 'audit_event' })
export class AuditEventEntity {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  at!: Date;

  @Property({ type: 'uuid', nullable: true })
  actorToken!: string | null;

  @Property({ type: 'text', nullable: true })
  actorName!: string | null;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  subjectType!: string;

  @Property({ type: 'text' })
  subjectId!: string;

  @Property({ type: 'json', columnType: 'jsonb' })
  details!: unknown;

  @Property({ type: new BigIntType('number') })
  seq!: number;

  @Property({ type: 'text', nullable: true })
  prevHash!: string | null;

  @Property({ type: 'text' })
  hash!: string;
}
