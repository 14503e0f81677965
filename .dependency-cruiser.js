/**
 * Layer rules (STYLE.md "Layers checked by a tool"): pure libs stay pure, SQL stays in libs/store,
 * NATS stays in libs/federation, and libs reach each other only through their index.ts.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const PURE = '^libs/(indicators|bundles|policy|interop|lookups)/';
const FRAMEWORK = '^node_modules/(@nestjs|@mikro-orm|mikro-orm-pglite|@electric-sql|@nats-io|nats|pg|knex)(/|$)';

module.exports = {
  forbidden: [
    {
      name: 'pure-libs-stay-pure',
      comment: 'indicators, bundles, policy, interop and lookups are plain TypeScript: no Nest, MikroORM, PostgreSQL or NATS.',
      severity: 'error',
      from: { path: PURE },
      to: { path: FRAMEWORK },
    },
    {
      name: 'pure-libs-import-only-pure-libs',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^(libs/(federation|store|testing)|apps)/' },
    },
    {
      name: 'sql-only-in-store',
      comment:
        'Only libs/store knows SQL and the ORM. libs/testing creates test databases; e2e support code and benchmarks may read rows to assert on or compare with.',
      severity: 'error',
      from: { pathNot: '^(libs/(store|testing)|tests/e2e/support|tests/bench)/' },
      to: { path: '^node_modules/(@mikro-orm|mikro-orm-pglite|@electric-sql|pg|knex)(/|$)' },
    },
    {
      name: 'nats-only-in-federation',
      comment: 'Only libs/federation knows subjects and the NATS client.',
      severity: 'error',
      from: { pathNot: '^libs/(federation|testing)/' },
      to: { path: '^node_modules/(@nats-io|nats)(/|$)' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'libs-through-index-only',
      comment: 'Another lib is reached through its index.ts (the @palermo/<lib> alias), never its internals.',
      severity: 'error',
      from: { path: '^(libs/([^/]+)|apps|tests)/' },
      to: { path: '^libs/([^/]+)/src/(?!index\\.ts$)', pathNot: '^libs/$2/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.d\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
