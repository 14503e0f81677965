import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadNodeConfig } from './node.config';

// loadNodeConfig is the one place a node reads its environment: every mistake must stop the boot with
// a ConfigError that names the variable (or YAML key) to fix — and never echo a secret back.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A data dir holding `palermo.yaml` with the given text (or none). */
function dataDir(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'palermo-config-spec-'));
  dirs.push(dir);
  if (yaml !== undefined) writeFileSync(join(dir, 'palermo.yaml'), yaml);
  return dir;
}

const BASE = { PALERMO_NODE_ID: 'nl-police', PALERMO_JURISDICTION: 'NL' };

/** The ConfigError loadNodeConfig throws for `env` (fails the test when it does not throw one). */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadNodeConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadNodeConfig accepted ${JSON.stringify(env)}`);
}

describe('loadNodeConfig from the environment', () => {
  it('applies the documented defaults', () => {
    const dir = dataDir();
    expect(loadNodeConfig({ ...BASE, PALERMO_DATA_DIR: dir })).toEqual({
      nodeId: 'nl-police',
      jurisdiction: 'NL',
      host: '127.0.0.1',
      port: 8080,
      natsUrl: 'nats://127.0.0.1:4222',
      databaseUrl: undefined,
      dataDir: resolve(dir),
      configFile: undefined,
      export: { maxDelayMs: 250, maxBundleBytes: 768 * 1024 },
      import: { maxBundleBytes: 1024 * 1024 },
      policy: { file: undefined, adequacy: [] },
      retention: { purgeIntervalMs: 3_600_000, quarantineDays: 90 },
      interop: { stixMaxBytes: 512 * 1024 * 1024, stixMaxObjectBytes: 1024 * 1024, importIdleMs: 30_000 },
    });
  });

  it('puts the data dir under ./.data/<node id> when PALERMO_DATA_DIR is not set', () => {
    expect(loadNodeConfig(BASE).dataDir).toBe(resolve('.data', 'nl-police'));
  });

  it('reads every variable', () => {
    const config = loadNodeConfig({
      ...BASE,
      PALERMO_DATA_DIR: dataDir(),
      HOST: '0.0.0.0',
      PORT: '9090',
      NATS_URL: 'tls://nats.example:4443',
      DATABASE_URL: 'postgresql://palermo:secret@db:5432/palermo',
      PALERMO_EXPORT_MAX_DELAY_MS: '50',
      PALERMO_BUNDLE_MAX_BYTES: '65536',
      PALERMO_IMPORT_MAX_BYTES: '2097152',
      PALERMO_ADEQUACY: 'DE, GB,DE',
      PALERMO_PURGE_INTERVAL_MS: '60000',
      PALERMO_QUARANTINE_DAYS: '30',
      PALERMO_STIX_IMPORT_MAX_BYTES: '65536',
      PALERMO_STIX_IMPORT_MAX_OBJECT_BYTES: '32768',
      PALERMO_STIX_IMPORT_IDLE_MS: '5000',
    });
    expect(config).toMatchObject({
      interop: { stixMaxBytes: 65536, stixMaxObjectBytes: 32768, importIdleMs: 5000 },
      policy: { adequacy: ['DE', 'GB'] },
      retention: { purgeIntervalMs: 60_000, quarantineDays: 30 },
      host: '0.0.0.0',
      port: 9090,
      natsUrl: 'tls://nats.example:4443',
      databaseUrl: 'postgresql://palermo:secret@db:5432/palermo',
      export: { maxDelayMs: 50, maxBundleBytes: 65536 },
      import: { maxBundleBytes: 2097152 },
    });
  });

  it.each([
    ['https://palermo.police.example', 'https://palermo.police.example'],
    ['https://palermo.police.example/', 'https://palermo.police.example'],
    ['http://10.0.0.5:8080/palermo/', 'http://10.0.0.5:8080/palermo'],
    ['', undefined],
  ])('reads PALERMO_PUBLIC_URL=%s as %s', (raw, publicUrl) => {
    expect(loadNodeConfig({ ...BASE, PALERMO_PUBLIC_URL: raw }).publicUrl).toBe(publicUrl);
  });

  it('treats an empty DATABASE_URL or PORT as unset (embedded PGlite, port 8080)', () => {
    expect(loadNodeConfig({ ...BASE, DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 8080 });
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['a missing PALERMO_NODE_ID', { PALERMO_JURISDICTION: 'NL' }, /PALERMO_NODE_ID is not set/],
    ['an empty PALERMO_NODE_ID', { PALERMO_NODE_ID: '', PALERMO_JURISDICTION: 'NL' }, /PALERMO_NODE_ID/],
    ['an upper-case node id', { ...BASE, PALERMO_NODE_ID: 'NL-police' }, /PALERMO_NODE_ID=NL-police/],
    ['a node id with an underscore', { ...BASE, PALERMO_NODE_ID: 'nl_police' }, /PALERMO_NODE_ID=nl_police/],
    ['a one-letter node id', { ...BASE, PALERMO_NODE_ID: 'n' }, /PALERMO_NODE_ID=n\b/],
    ['a 33-letter node id', { ...BASE, PALERMO_NODE_ID: `n${'x'.repeat(32)}` }, /PALERMO_NODE_ID/],
    ['a node id starting with a digit', { ...BASE, PALERMO_NODE_ID: '1police' }, /PALERMO_NODE_ID=1police/],
    ['the community audience `all` as node id', { ...BASE, PALERMO_NODE_ID: 'all' }, /PALERMO_NODE_ID=all.*"all"/],
    ['a missing jurisdiction', { PALERMO_NODE_ID: 'nl-police' }, /PALERMO_JURISDICTION/],
    ['a lower-case jurisdiction', { ...BASE, PALERMO_JURISDICTION: 'nl' }, /PALERMO_JURISDICTION=nl/],
    ['a three-letter jurisdiction', { ...BASE, PALERMO_JURISDICTION: 'NLD' }, /PALERMO_JURISDICTION=NLD/],
    ['PORT that is no number', { ...BASE, PORT: 'http' }, /^PORT=http/],
    ['PORT with trailing junk', { ...BASE, PORT: '8080abc' }, /^PORT=8080abc/],
    ['PORT below 0', { ...BASE, PORT: '-1' }, /^PORT=-1/],
    ['PORT above 65535', { ...BASE, PORT: '65536' }, /^PORT=65536/],
    ['a fractional PORT', { ...BASE, PORT: '80.5' }, /^PORT=80.5/],
    ['a MySQL DATABASE_URL', { ...BASE, DATABASE_URL: 'mysql://root@db/palermo' }, /^DATABASE_URL/],
    ['a DATABASE_URL without a scheme', { ...BASE, DATABASE_URL: 'localhost:5432/palermo' }, /^DATABASE_URL/],
    ['a NATS_URL without a scheme', { ...BASE, NATS_URL: '127.0.0.1:4222' }, /^NATS_URL=/],
    ['an export delay of 5 ms', { ...BASE, PALERMO_EXPORT_MAX_DELAY_MS: '5' }, /^PALERMO_EXPORT_MAX_DELAY_MS=5/],
    ['a bundle limit of 1 KB', { ...BASE, PALERMO_BUNDLE_MAX_BYTES: '1024' }, /^PALERMO_BUNDLE_MAX_BYTES=1024/],
    ['an import limit of 1 GB', { ...BASE, PALERMO_IMPORT_MAX_BYTES: '1073741824' }, /^PALERMO_IMPORT_MAX_BYTES=/],
    ['an adequacy list with a lower-case code', { ...BASE, PALERMO_ADEQUACY: 'DE,gb' }, /^PALERMO_ADEQUACY: "gb"/],
    ['a policy file that does not exist', { ...BASE, PALERMO_POLICY_FILE: '/nonexistent/policy.cedar' }, /^PALERMO_POLICY_FILE=\/nonexistent\/policy.cedar: file not found/],
    ['a NATS seed file that does not exist', { ...BASE, NATS_NKEY_SEED_FILE: '/nonexistent/node.nk' }, /^NATS_NKEY_SEED_FILE=\/nonexistent\/node.nk: file not found/],
    ['the retired PALERMO_EXPORT_PARTNERS', { ...BASE, PALERMO_EXPORT_PARTNERS: 'de-bka' }, /^PALERMO_EXPORT_PARTNERS: .*agreements/],
    ['a STIX import limit of 1 KB', { ...BASE, PALERMO_STIX_IMPORT_MAX_BYTES: '1024' }, /^PALERMO_STIX_IMPORT_MAX_BYTES=1024/],
    ['a STIX object limit of 1 KB', { ...BASE, PALERMO_STIX_IMPORT_MAX_OBJECT_BYTES: '1024' }, /^PALERMO_STIX_IMPORT_MAX_OBJECT_BYTES=1024/],
    ['an import idle timeout of "soon"', { ...BASE, PALERMO_STIX_IMPORT_IDLE_MS: 'soon' }, /^PALERMO_STIX_IMPORT_IDLE_MS=soon/],
    ['a purge interval of 10 ms', { ...BASE, PALERMO_PURGE_INTERVAL_MS: '10' }, /^PALERMO_PURGE_INTERVAL_MS=10/],
    ['a PALERMO_PUBLIC_URL that is no URL', { ...BASE, PALERMO_PUBLIC_URL: 'palermo.example' }, /^PALERMO_PUBLIC_URL=palermo.example: not a URL/],
    ['a PALERMO_PUBLIC_URL with another scheme', { ...BASE, PALERMO_PUBLIC_URL: 'ftp://palermo.example' }, /^PALERMO_PUBLIC_URL=ftp/],
    ['a PALERMO_PUBLIC_URL with a query', { ...BASE, PALERMO_PUBLIC_URL: 'https://palermo.example/?x=1' }, /^PALERMO_PUBLIC_URL=.*without query/],
    ['a PALERMO_CONFIG that does not exist', { ...BASE, PALERMO_CONFIG: '/nonexistent/palermo.yaml' }, /^PALERMO_CONFIG=\/nonexistent\/palermo.yaml: file not found/],
  ])('refuses %s with a ConfigError naming it', (_name, env, message) => {
    expect(configError(env).message).toMatch(message);
  });

  it('does not echo a DATABASE_URL password in its error', () => {
    const error = configError({ ...BASE, DATABASE_URL: 'mysql://root:hunter2@db/palermo' });
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadNodeConfig with a YAML file', () => {
  const FULL_YAML = [
    'nodeId: de-bka',
    'jurisdiction: DE',
    'host: 0.0.0.0',
    'port: 9000',
    'natsUrl: nats://nats.bka.example:4222',
    'databaseUrl: postgres://palermo@db.bka.example/palermo',
    'export:',
    '  maxDelayMs: 100',
    '  maxBundleBytes: 131072',
    'import:',
    '  maxBundleBytes: 524288',
    'policy:',
    '  file: policy.cedar',
    '  adequacy: [GB, CH]',
    'retention:',
    '  purgeIntervalMs: 600000',
    '  quarantineDays: 30',
    '',
  ].join('\n');

  it('reads <PALERMO_DATA_DIR>/palermo.yaml, resolving the policy file against the data dir', () => {
    const dir = dataDir(FULL_YAML);
    writeFileSync(join(dir, 'policy.cedar'), '');
    expect(loadNodeConfig({ PALERMO_DATA_DIR: dir })).toEqual({
      nodeId: 'de-bka',
      jurisdiction: 'DE',
      host: '0.0.0.0',
      port: 9000,
      natsUrl: 'nats://nats.bka.example:4222',
      databaseUrl: 'postgres://palermo@db.bka.example/palermo',
      dataDir: resolve(dir),
      configFile: join(resolve(dir), 'palermo.yaml'),
      export: { maxDelayMs: 100, maxBundleBytes: 131072 },
      import: { maxBundleBytes: 524288 },
      policy: { file: join(resolve(dir), 'policy.cedar'), adequacy: ['GB', 'CH'] },
      retention: { purgeIntervalMs: 600_000, quarantineDays: 30 },
      interop: { stixMaxBytes: 512 * 1024 * 1024, stixMaxObjectBytes: 1024 * 1024, importIdleMs: 30_000 },
    });
  });

  it('reads the file named by PALERMO_CONFIG instead of the data dir one', () => {
    const other = join(dataDir(), 'elsewhere.yaml');
    writeFileSync(other, 'nodeId: us-hsi\njurisdiction: US\n');
    const config = loadNodeConfig({ PALERMO_DATA_DIR: dataDir(FULL_YAML), PALERMO_CONFIG: other });
    expect(config).toMatchObject({ nodeId: 'us-hsi', jurisdiction: 'US', configFile: other, policy: { file: undefined, adequacy: [] } });
  });

  it('lets every environment variable win over the file', () => {
    const dir = dataDir(FULL_YAML);
    writeFileSync(join(dir, 'other.cedar'), '');
    const config = loadNodeConfig({
      PALERMO_DATA_DIR: dir,
      PALERMO_POLICY_FILE: 'other.cedar',
      PALERMO_ADEQUACY: 'JP',
      PALERMO_PURGE_INTERVAL_MS: '5000',
      PALERMO_QUARANTINE_DAYS: '7',
      PALERMO_NODE_ID: 'nl-police',
      PALERMO_JURISDICTION: 'NL',
      HOST: '127.0.0.2',
      PORT: '8181',
      NATS_URL: 'nats://127.0.0.1:4333',
      DATABASE_URL: 'postgres://postgres@127.0.0.1/palermo_nl',
      PALERMO_EXPORT_MAX_DELAY_MS: '20',
      PALERMO_BUNDLE_MAX_BYTES: '98304',
      PALERMO_IMPORT_MAX_BYTES: '16384',
    });
    expect(config).toMatchObject({
      nodeId: 'nl-police',
      jurisdiction: 'NL',
      host: '127.0.0.2',
      port: 8181,
      natsUrl: 'nats://127.0.0.1:4333',
      databaseUrl: 'postgres://postgres@127.0.0.1/palermo_nl',
      export: { maxDelayMs: 20, maxBundleBytes: 98304 },
      import: { maxBundleBytes: 16384 },
      policy: { file: join(resolve(dir), 'other.cedar'), adequacy: ['JP'] },
      retention: { purgeIntervalMs: 5000, quarantineDays: 7 },
    });
  });

  it.each<[string, string, RegExp]>([
    ['an unknown top-level key', 'nodeId: nl-police\njurisdiction: NL\ncolour: orange\n', /colour/],
    ['the retired import rules', 'nodeId: nl-police\njurisdiction: NL\nimport:\n  pseudonymizeTypes: [phone]\n', /import: rules moved into the Cedar policy/],
    ['an unknown export key', 'nodeId: nl-police\njurisdiction: NL\nexport:\n  maxDelay: 10\n', /export.*maxDelay/],
    ['invalid YAML', 'nodeId: nl-police\njurisdiction: [NL\n', /not valid YAML/],
    ['a YAML list instead of a map', '- nodeId\n- nl-police\n', /palermo\.yaml/],
    ['a port written as a word', 'nodeId: nl-police\njurisdiction: NL\nport: eighty\n', /port/],
    ['a port above 65535', 'nodeId: nl-police\njurisdiction: NL\nport: 70000\n', /port/i],
    ['an export delay of 0 ms', 'nodeId: nl-police\njurisdiction: NL\nexport:\n  maxDelayMs: 0\n', /export\.maxDelayMs/],
    ['a bundle limit below 64 KiB', 'nodeId: nl-police\njurisdiction: NL\nexport:\n  maxBundleBytes: 4096\n', /maxBundleBytes|PALERMO_BUNDLE_MAX_BYTES/],
    ['the retired export partners', 'nodeId: nl-police\njurisdiction: NL\nexport:\n  partners: [de-bka]\n', /export\.partners: sharing is decided by agreements/],
    ['an adequacy entry that is no country code', 'nodeId: nl-police\njurisdiction: NL\npolicy:\n  adequacy: [Germany]\n', /policy\.adequacy: "Germany"/],
    ['an unknown policy key', 'nodeId: nl-police\njurisdiction: NL\npolicy:\n  rules: []\n', /policy.*rules/],
    ['a policy file that does not exist', 'nodeId: nl-police\njurisdiction: NL\npolicy:\n  file: missing.cedar\n', /policy\.file=missing\.cedar: file not found/],
    ['a bundle limit above 8 MiB', 'nodeId: nl-police\njurisdiction: NL\nexport:\n  maxBundleBytes: 104857600\n', /maxBundleBytes|PALERMO_BUNDLE_MAX_BYTES/],
    ['the node id all', 'nodeId: all\njurisdiction: NL\n', /nodeId|PALERMO_NODE_ID/],
    ['a lower-case jurisdiction', 'nodeId: nl-police\njurisdiction: nl\n', /jurisdiction|PALERMO_JURISDICTION/i],
  ])('refuses %s with a ConfigError naming the file and key', (_name, yaml, message) => {
    const error = configError({ PALERMO_DATA_DIR: dataDir(yaml) });
    expect(error.message).toMatch(message);
  });

  it('names the file in YAML errors', () => {
    const dir = dataDir('nodeId: nl-police\njurisdiction: NL\ncolour: orange\n');
    expect(configError({ PALERMO_DATA_DIR: dir }).message).toContain(join(resolve(dir), 'palermo.yaml'));
  });

  it('accepts an empty file as "no settings" (the environment still has to name the node)', () => {
    expect(loadNodeConfig({ ...BASE, PALERMO_DATA_DIR: dataDir('') }).nodeId).toBe('nl-police');
    expect(configError({ PALERMO_DATA_DIR: dataDir('') }).message).toMatch(/PALERMO_NODE_ID is not set/);
  });
});
