import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const alias = Object.fromEntries(
  ['indicators', 'bundles', 'policy', 'federation', 'store', 'interop', 'lookups', 'testing'].map((lib) => [
    `@palermo/${lib}`,
    fileURLToPath(new URL(`./libs/${lib}/src/index.ts`, import.meta.url)),
  ]),
);

// swc keeps decorator metadata identical to the tsc build (Nest DI and MikroORM rely on it).
const plugins = [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022' } })];

export default defineConfig({
  plugins,
  resolve: { alias },
  test: {
    env: { TZ: 'UTC' },
    allowOnly: false,
    projects: [
      {
        plugins,
        resolve: { alias },
        test: { name: 'unit', include: ['libs/{indicators,bundles,policy,interop,lookups}/src/**/*.spec.ts', 'apps/**/src/**/*.spec.ts'], env: { TZ: 'UTC' } },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['libs/{store,federation,testing}/src/**/*.spec.ts', 'tests/integration/**/*.spec.ts'],
          env: { TZ: 'UTC' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.spec.ts'],
          env: { TZ: 'UTC' },
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
