import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedPublisher } from './feed.publisher';
import { FeedSubscriber } from './feed.subscriber';
import { fakeBundle, waitFor } from './feed.test-fixtures';
import { FEDERATION_OPTIONS, FederationModule } from './federation.module';
import { NatsConnection } from './nats.connection';

/** A consumer of the global module living in another module, as apps/node's services will. */
@Injectable()
class Exporter {
  constructor(
    readonly publisher: FeedPublisher,
    readonly subscriber: FeedSubscriber,
    readonly connection: NatsConnection,
  ) {}
}

@Module({ providers: [Exporter] })
class ExporterModule {}

describe('FederationModule (Nest wiring, real nats-server)', () => {
  let server: NatsServerHandle;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['forRoot', () => FederationModule.forRoot({ natsUrl: server.url, name: 'nl-police' })],
    ['forRootAsync', () => FederationModule.forRootAsync({ useFactory: async () => ({ natsUrl: server.url, name: 'nl-police' }) })],
  ])('%s provides the services globally, connects on init and closes on shutdown', async (_name, make) => {
    const moduleRef = await Test.createTestingModule({ imports: [make(), ExporterModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const exporter = app.get(Exporter);
    expect(app.get(FEDERATION_OPTIONS)).toEqual({ natsUrl: server.url, name: 'nl-police' });
    expect(exporter.connection).toBe(app.get(NatsConnection));
    await waitFor('the connection', () => exporter.connection.health().connected);
    const result = await exporter.publisher.publish(fakeBundle('nl-police', 'all', 'via-nest'));
    expect(result.streamSeq).toBeGreaterThan(0);
    exporter.subscriber.follow({ subscriber: 'be-police', publisher: 'nl-police', handler: () => 'ack', onError: () => undefined });
    await app.close();
    expect(exporter.connection.health().state).toBe('closed');
  });
});
