import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { Store } from './store';
import { StoreModule } from './store.module';

@Injectable()
class NeedsStore {
  constructor(readonly store: Store) {}
}

// A feature module that does not import StoreModule: the Store must reach it because the module is global.
@Module({ providers: [NeedsStore] })
class FeatureModule {}

describe('StoreModule', () => {
  it.each([
    ['forRoot', StoreModule.forRoot({})],
    ['forRootAsync', StoreModule.forRootAsync({ useFactory: () => ({}) })],
  ])('%s provides one migrated Store globally and closes it on shutdown', async (_name, dynamicModule) => {
    const moduleRef = await Test.createTestingModule({ imports: [dynamicModule, FeatureModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const store = app.get(Store);
    expect(app.get(NeedsStore).store).toBe(store);
    expect(store.backend).toBe('pglite');
    expect(await store.partners.list()).toEqual([]);
    await app.close();
    expect(await store.orm.isConnected()).toBe(false);
  });
});
