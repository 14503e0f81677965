import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** An API token; only the SHA-256 of the secret is stored. */
@Entity({ tableName: 'api_token' })
export class ApiTokenEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  role!: string;

  /** For the `partner` role only: the partner node whose audience this token may read. */
  @Property({ type: 'text', nullable: true })
  partner: string | null = null;

  @Property({ type: 'text', fieldName: 'token_sha256' })
  tokenSha256!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}
