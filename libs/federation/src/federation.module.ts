import { Module, type DynamicModule, type InjectionToken, type OptionalFactoryDependency, type Provider } from '@nestjs/common';
import { FeedPublisher } from './feed.publisher';
import { FeedSubscriber } from './feed.subscriber';
import type { FederationOptions } from './federation.types';
import { NatsConnection } from './nats.connection';
import { ReceiptChannel } from './receipt.channel';
import { FeedbackChannel } from './feedback.channel';
import { ResyncChannel } from './resync.channel';
import { LogChannel } from './log.channel';
import { KeyChannel } from './key.channel';
import { FeedDelivery } from './feed.delivery';
import { LookupChannel } from './lookup.channel';

/** Injection token of the FederationOptions the module was configured with. */
export const FEDERATION_OPTIONS = Symbol('FEDERATION_OPTIONS');

/** Async configuration, for options that come from a config service. */
export interface FederationModuleAsyncOptions {
  /** Builds the options (e.g. from the parsed node config). */
  // `any[]` is Nest's own factory signature: the injected values are typed by the caller's factory.
  useFactory: (...args: any[]) => FederationOptions | Promise<FederationOptions>;
  /** Providers handed to useFactory. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
}

/**
 * Global Nest module providing NatsConnection, FeedPublisher, FeedSubscriber, ReceiptChannel, ResyncChannel, LogChannel, KeyChannel, FeedDelivery, LookupChannel and FeedbackChannel (class tokens).
 * The classes stay plain: the CLI and tests construct them with `new`.
 */
@Module({})
export class FederationModule {
  /** Configure with literal options. */
  static forRoot(options: FederationOptions): DynamicModule {
    return FederationModule.build({ provide: FEDERATION_OPTIONS, useValue: options });
  }

  /** Configure from a factory (e.g. a config service). */
  static forRootAsync(options: FederationModuleAsyncOptions): DynamicModule {
    return FederationModule.build({ provide: FEDERATION_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] });
  }

  private static build(optionsProvider: Provider): DynamicModule {
    return {
      module: FederationModule,
      global: true,
      providers: [
        optionsProvider,
        { provide: NatsConnection, useFactory: (options: FederationOptions) => new NatsConnection(options), inject: [FEDERATION_OPTIONS] },
        { provide: FeedPublisher, useFactory: (connection: NatsConnection) => new FeedPublisher(connection), inject: [NatsConnection] },
        { provide: FeedSubscriber, useFactory: (connection: NatsConnection) => new FeedSubscriber(connection), inject: [NatsConnection] },
        { provide: ReceiptChannel, useFactory: (connection: NatsConnection) => new ReceiptChannel(connection), inject: [NatsConnection] },
        { provide: FeedbackChannel, useFactory: (connection: NatsConnection) => new FeedbackChannel(connection), inject: [NatsConnection] },
        { provide: ResyncChannel, useFactory: (connection: NatsConnection) => new ResyncChannel(connection), inject: [NatsConnection] },
        { provide: LogChannel, useFactory: (connection: NatsConnection) => new LogChannel(connection), inject: [NatsConnection] },
        { provide: KeyChannel, useFactory: (connection: NatsConnection) => new KeyChannel(connection), inject: [NatsConnection] },
        { provide: FeedDelivery, useFactory: (connection: NatsConnection) => new FeedDelivery(connection), inject: [NatsConnection] },
        { provide: LookupChannel, useFactory: (connection: NatsConnection) => new LookupChannel(connection), inject: [NatsConnection] },
      ],
      exports: [FEDERATION_OPTIONS, NatsConnection, FeedPublisher, FeedSubscriber, ReceiptChannel, ResyncChannel, LogChannel, KeyChannel, FeedDelivery, LookupChannel, FeedbackChannel],
    };
  }
}
