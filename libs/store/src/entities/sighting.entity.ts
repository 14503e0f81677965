import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One local sighting of an indicator ("seen here too"); written and read with SQL (sighting.repository). */
@Entity({ tableName: 'sighting' })
export class SightingEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: new BigIntType('string') })
  indicatorPk!: string;

  @Property({ type: 'text' })
  indicatorOrigin!: string;

  @Property({ type: 'text' })
  indicatorOriginId!: string;

  @Property({ type: 'text' })
  sightedBy!: string;

  @Property({ type: 'integer' })
  count!: number;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  firstSeen!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  lastSeen!: Date;

  @Property({ type: 'text', nullable: true })
  note!: string | null;

  @Property({ type: 'uuid', nullable: true })
  createdByToken!: string | null;

  @Property({ type: 'text', nullable: true })
  createdByName!: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}
