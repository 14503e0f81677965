import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** This node's public signing key; the private half never leaves PALERMO_DATA_DIR. */
@Entity({ tableName: 'node_key' })
export class NodeKeyEntity {
  @PrimaryKey({ type: 'text' })
  fingerprint!: string;

  @Property({ type: 'text' })
  nodeId!: string;

  @Property({ type: 'text' })
  armoredPublicKey!: string;

  @Property({ type: 'boolean' })
  active: boolean = true;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();
}
