import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One version of the jurisdiction policy text; the highest version is the active one. */
@Entity({ tableName: 'policy_version' })
export class PolicyVersionEntity {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  version!: number;

  @Property({ type: 'text', lazy: true })
  text!: string;

  @Property({ type: 'text' })
  sha256!: string;

  @Property({ type: 'uuid', nullable: true })
  authorToken!: string | null;

  @Property({ type: 'text', nullable: true })
  authorName!: string | null;

  @Property({ type: 'text', nullable: true })
  comment!: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
