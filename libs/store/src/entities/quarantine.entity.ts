import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A feed message that failed verification, with the reason (never silently dropped). */
@Entity({ tableName: 'quarantine' })
export class QuarantineEntity {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @Property({ type: 'text', nullable: true })
  publisher!: string | null;

  @Property({ type: 'text', nullable: true })
  audience!: string | null;

  @Property({ type: 'text' })
  subject!: string;

  @Property({ type: new BigIntType('number'), nullable: true })
  streamSeq!: number | null;

  @Property({ type: 'uint8array', lazy: true })
  payload!: Uint8Array;

  @Property({ type: 'text', fieldName: 'payload_sha256' })
  payloadSha256!: string;

  @Property({ type: 'json', columnType: 'jsonb' })
  headers!: Record<string, string>;

  @Property({ type: 'text' })
  code!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  receivedAt!: Date;

  /** When retention emptied the payload (hash, code and message stay). */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  payloadClearedAt!: Date | null;
}
