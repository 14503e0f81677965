import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A partner node with its pinned public key (from its partner card). */
@Entity({ tableName: 'partner' })
export class PartnerEntity {
  @PrimaryKey({ type: 'text' })
  nodeId!: string;

  @Property({ type: 'text' })
  jurisdiction!: string;

  @Property({ type: 'text' })
  fingerprint!: string;

  @Property({ type: 'text' })
  armoredPublicKey!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  updatedAt: Date = new Date();
}
