import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type ModuleMetadata,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Store } from './store';
import { openStore } from './store.open';
import type { StoreOptions } from './store.types';

/** Async configuration of StoreModule, for options that come from a config service. */
export interface StoreModuleAsyncOptions {
  /** Modules that export the factory's dependencies. */
  imports?: ModuleMetadata['imports'];
  /** Providers to inject into the factory. */
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
  /** Builds the store options. */
  useFactory: (...args: never[]) => StoreOptions | Promise<StoreOptions>;
}

const STORE_OPTIONS = Symbol('palermo:store-options');

/**
 * Global Nest module that opens the Store once (running migrations) and provides it under the
 * `Store` class token; the store closes when the application shuts down (enableShutdownHooks).
 */
@Global()
@Module({})
export class StoreModule implements OnApplicationShutdown {
  constructor(@Inject(Store) private readonly store: Store) {}

  /** Provides a Store opened with fixed options. */
  static forRoot(options: StoreOptions): DynamicModule {
    return {
      module: StoreModule,
      global: true,
      providers: [{ provide: STORE_OPTIONS, useValue: options }, storeProvider()],
      exports: [Store],
    };
  }

  /** Provides a Store whose options come from a factory (e.g. the typed node config). */
  static forRootAsync(options: StoreModuleAsyncOptions): DynamicModule {
    return {
      module: StoreModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: STORE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        storeProvider(),
      ],
      exports: [Store],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

function storeProvider() {
  return { provide: Store, useFactory: (options: StoreOptions) => openStore(options), inject: [STORE_OPTIONS] };
}
