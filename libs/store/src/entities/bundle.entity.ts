import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A signed bundle, inbound or outbound, with its canonical bytes and detached signature. */
@Entity({ tableName: 'bundle' })
export class BundleEntity {
  @PrimaryKey({ type: 'text' })
  hash!: string;

  /** Insertion order, for keyset pagination (the hash has no order). */
  @Property({ type: new BigIntType('string') })
  pos!: string;

  @Property({ type: 'text' })
  direction!: 'in' | 'out';

  @Property({ type: 'text' })
  publisher!: string;

  @Property({ type: 'text' })
  audience!: string;

  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'text', nullable: true })
  prev!: string | null;

  @Property({ type: 'text' })
  bundleId!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  bundleCreatedAt!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  storedAt!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  receivedAt!: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  /** When this node first handed the outbound bundle to NATS (it may have arrived even without an ack). */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  publishAttemptedAt?: Date | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  streamSeq!: number | null;

  /** Null for an inbound bundle whose values this node may not keep in clear (pseudonymized or rejected entries). */
  @Property({ type: 'uint8array', lazy: true, nullable: true })
  bytes!: Uint8Array | null;

  @Property({ type: 'uint8array', lazy: true })
  signature!: Uint8Array;

  @Property({ type: 'text' })
  signer!: string;

  @Property({ type: 'integer' })
  entryCount!: number;

  @Property({ type: 'integer' })
  upsertCount!: number;

  @Property({ type: 'integer' })
  revokeCount!: number;

  @Property({ type: 'integer' })
  acceptedCount!: number;

  @Property({ type: 'integer' })
  pseudonymizedCount!: number;

  @Property({ type: 'integer' })
  rejectedCount!: number;

  /** Inbound bundles: when retention requires the purge to drop the bytes (null = no limit). */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** Fingerprint the bundle travels encrypted to (outbound: partner key at store time; inbound: this node); null = in clear. */
  @Property({ type: 'text', nullable: true })
  encryptedTo?: string | null;
}
