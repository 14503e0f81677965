import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { JURISDICTION_PATTERN, NODE_ID_RULE, isNodeId } from '@palermo/indicators';

/** The typed configuration of one node, parsed once at boot (env wins over the YAML file). */
export interface NodeConfig {
  nodeId: string;
  jurisdiction: string;
  host: string;
  port: number;
  natsUrl: string;
  /** File holding this node's NATS nkey seed (SU…), when its NATS server authenticates nodes by nkey. */
  natsNkeySeedFile?: string;
  /** PostgreSQL URL; absent = embedded PGlite under `<dataDir>/pglite`. */
  databaseUrl?: string;
  dataDir: string;
  configFile?: string;
  export: { maxDelayMs: number; maxBundleBytes: number };
  import: { maxBundleBytes: number };
  /**
   * `file`: the Cedar policy that seeds version 1 when the database holds none (later versions come
   * through PUT /api/v1/policy); `adequacy`: jurisdictions this node's law treats as adequate.
   */
  policy: { file?: string; adequacy: string[] };
  /** How often expired imports are purged, and how long quarantined payloads are kept. */
  retention: { purgeIntervalMs: number; quarantineDays: number };
  /**
   * `stixMaxBytes`: largest STIX file POST /stix/import reads (PALERMO_STIX_IMPORT_MAX_BYTES);
   * `stixMaxObjectBytes`: largest single object in it (PALERMO_STIX_IMPORT_MAX_OBJECT_BYTES);
   * `importIdleMs`: longest wait for the next byte of an import upload before 408 (PALERMO_STIX_IMPORT_IDLE_MS).
   */
  interop: { stixMaxBytes: number; stixMaxObjectBytes: number; importIdleMs: number };
  /**
   * The URL clients reach this node at (PALERMO_PUBLIC_URL, e.g. https://palermo.police.example),
   * without a trailing slash; TAXII discovery names its API root with it instead of echoing Host.
   */
  publicUrl?: string;
}

/** A configuration problem, naming the variable or key that is wrong. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const jurisdiction = z.string().regex(JURISDICTION_PATTERN, 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. NL');

/** Keys the optional YAML file may hold; every key is also settable through the environment. */
const fileSchema = z
  .object({
    nodeId: z.string().optional(),
    jurisdiction: z.string().optional(),
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    natsUrl: z.string().optional(),
    natsNkeySeedFile: z.string().optional(),
    databaseUrl: z.string().optional(),
    export: z
      .object({
        maxDelayMs: z.number().int().min(10).max(1000).optional(),
        maxBundleBytes: z.number().int().min(65536).max(8 * 1024 * 1024).optional(),
      })
      .strict()
      .optional(),
    import: z
      .object({
        maxBundleBytes: z.number().int().min(4096).max(8 * 1024 * 1024).optional(),
      })
      .strict()
      .optional(),
    policy: z
      .object({ file: z.string().optional(), adequacy: z.array(z.string()).optional() })
      .strict()
      .optional(),
    retention: z
      .object({
        purgeIntervalMs: z.number().int().min(1000).max(7 * 86_400_000).optional(),
        quarantineDays: z.number().int().min(1).max(36_500).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
type FileConfig = z.infer<typeof fileSchema>;

/** Default data directory: one folder per node under ./.data, so a laptop can run several. */
export function defaultDataDir(nodeId: string): string {
  return resolve('.data', nodeId);
}

/** The path of the node's YAML file inside a data directory. */
export function configFilePath(dataDir: string): string {
  return join(dataDir, 'palermo.yaml');
}

function readFileConfig(path: string | undefined): FileConfig {
  if (!path || !existsSync(path)) return {};
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML (${(err as Error).message})`);
  }
  if (raw && typeof raw === 'object' && 'import' in raw && !isOnlyImportLimit((raw as { import: unknown }).import)) {
    throw new ConfigError(`${path}: import: rules moved into the Cedar policy (policy.file, PUT /api/v1/policy; see deploy/policies); only import.maxBundleBytes remains`);
  }
  if (raw && typeof raw === 'object' && (raw as { export?: { partners?: unknown } }).export?.partners !== undefined) {
    throw new ConfigError(`${path}: export.partners: sharing is decided by agreements now (POST /api/v1/agreements)`);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

function intFrom(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${raw}: must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** PALERMO_PUBLIC_URL: an http(s) origin with an optional path, no query, fragment or credentials. */
function parsePublicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PALERMO_PUBLIC_URL=${raw}: not a URL (expected e.g. https://palermo.police.example)`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`PALERMO_PUBLIC_URL=${raw}: expected an http(s) URL without query, fragment or credentials`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function isOnlyImportLimit(section: unknown): boolean {
  return section === null || (typeof section === 'object' && Object.keys(section as object).every((k) => k === 'maxBundleBytes'));
}

/** PALERMO_ADEQUACY (comma-separated) or YAML policy.adequacy: ISO 3166-1 alpha-2 codes, each checked. */
function parseAdequacy(raw: string | undefined, fromFile: string[] | undefined): string[] {
  const name = raw !== undefined ? 'PALERMO_ADEQUACY' : 'policy.adequacy';
  const codes = raw !== undefined ? raw.split(',').map((s) => s.trim()).filter(Boolean) : (fromFile ?? []);
  const bad = codes.find((code) => !JURISDICTION_PATTERN.test(code));
  if (bad !== undefined) throw new ConfigError(`${name}: ${JSON.stringify(bad)} is not an ISO 3166-1 alpha-2 code in upper case`);
  return [...new Set(codes)];
}

/** A file named by an environment variable or a YAML key, resolved against the data dir; it must exist. */
function existingFile(names: { env: string; yaml: string }, raw: string | undefined, fromFile: string | undefined, dataDir: string): string | undefined {
  const given = raw || fromFile;
  if (!given) return undefined;
  const path = resolve(dataDir, given);
  if (!existsSync(path)) throw new ConfigError(`${raw ? names.env : names.yaml}=${given}: file not found`);
  return path;
}

/**
 * Parses the environment (and `PALERMO_CONFIG` or `<PALERMO_DATA_DIR>/palermo.yaml`) into a
 * NodeConfig, or throws a ConfigError that names the variable that is wrong.
 */
export function loadNodeConfig(env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const dataDirFromEnv = env.PALERMO_DATA_DIR ? resolve(env.PALERMO_DATA_DIR) : undefined;
  const configFile = env.PALERMO_CONFIG
    ? resolve(env.PALERMO_CONFIG)
    : dataDirFromEnv && configFilePath(dataDirFromEnv);
  if (env.PALERMO_CONFIG && !existsSync(env.PALERMO_CONFIG)) {
    throw new ConfigError(`PALERMO_CONFIG=${env.PALERMO_CONFIG}: file not found`);
  }
  const file = readFileConfig(configFile);

  const nodeId = env.PALERMO_NODE_ID ?? file.nodeId;
  if (!nodeId) throw new ConfigError('PALERMO_NODE_ID is not set (e.g. PALERMO_NODE_ID=nl-police); run `palermo init` first');
  if (!isNodeId(nodeId)) {
    throw new ConfigError(`PALERMO_NODE_ID=${nodeId}: ${NODE_ID_RULE}`);
  }
  const jur = jurisdiction.safeParse(env.PALERMO_JURISDICTION ?? file.jurisdiction);
  if (!jur.success) {
    throw new ConfigError(`PALERMO_JURISDICTION=${env.PALERMO_JURISDICTION ?? file.jurisdiction ?? ''}: ${jur.error.issues[0].message}`);
  }
  const natsUrl = env.NATS_URL ?? file.natsUrl ?? 'nats://127.0.0.1:4222';
  if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(natsUrl)) throw new ConfigError(`NATS_URL=${natsUrl}: expected nats://host:port`);
  const databaseUrl = env.DATABASE_URL || file.databaseUrl || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL: expected postgres://user@host:port/database (leave it unset for embedded PGlite)');
  }
  const maxBundleBytes = intFrom('PALERMO_BUNDLE_MAX_BYTES', env.PALERMO_BUNDLE_MAX_BYTES, file.export?.maxBundleBytes ?? 768 * 1024, 65536, 8 * 1024 * 1024);
  if (env.PALERMO_EXPORT_PARTNERS !== undefined) {
    throw new ConfigError('PALERMO_EXPORT_PARTNERS: sharing is decided by agreements now (POST /api/v1/agreements); unset it');
  }
  const dataDir = dataDirFromEnv ?? defaultDataDir(nodeId);
  return {
    nodeId,
    jurisdiction: jur.data,
    host: env.HOST ?? file.host ?? '127.0.0.1',
    port: intFrom('PORT', env.PORT, file.port ?? 8080, 0, 65535),
    natsUrl,
    natsNkeySeedFile: existingFile({ env: 'NATS_NKEY_SEED_FILE', yaml: 'natsNkeySeedFile' }, env.NATS_NKEY_SEED_FILE, file.natsNkeySeedFile, dataDir),
    databaseUrl,
    dataDir,
    configFile: configFile && existsSync(configFile) ? configFile : undefined,
    export: {
      maxDelayMs: intFrom('PALERMO_EXPORT_MAX_DELAY_MS', env.PALERMO_EXPORT_MAX_DELAY_MS, file.export?.maxDelayMs ?? 250, 10, 1000),
      maxBundleBytes,
    },
    import: {
      maxBundleBytes: intFrom('PALERMO_IMPORT_MAX_BYTES', env.PALERMO_IMPORT_MAX_BYTES, file.import?.maxBundleBytes ?? 1024 * 1024, 4096, 8 * 1024 * 1024),
    },
    policy: {
      file: existingFile({ env: 'PALERMO_POLICY_FILE', yaml: 'policy.file' }, env.PALERMO_POLICY_FILE, file.policy?.file, dataDir),
      adequacy: parseAdequacy(env.PALERMO_ADEQUACY, file.policy?.adequacy),
    },
    retention: {
      purgeIntervalMs: intFrom('PALERMO_PURGE_INTERVAL_MS', env.PALERMO_PURGE_INTERVAL_MS, file.retention?.purgeIntervalMs ?? 3_600_000, 1000, 7 * 86_400_000),
      quarantineDays: intFrom('PALERMO_QUARANTINE_DAYS', env.PALERMO_QUARANTINE_DAYS, file.retention?.quarantineDays ?? 90, 1, 36_500),
    },
    interop: {
      stixMaxBytes: intFrom('PALERMO_STIX_IMPORT_MAX_BYTES', env.PALERMO_STIX_IMPORT_MAX_BYTES, 512 * 1024 * 1024, 4096, 4 * 1024 * 1024 * 1024),
      stixMaxObjectBytes: intFrom('PALERMO_STIX_IMPORT_MAX_OBJECT_BYTES', env.PALERMO_STIX_IMPORT_MAX_OBJECT_BYTES, 1024 * 1024, 16 * 1024, 64 * 1024 * 1024),
      importIdleMs: intFrom('PALERMO_STIX_IMPORT_IDLE_MS', env.PALERMO_STIX_IMPORT_IDLE_MS, 30_000, 100, 3_600_000),
    },
    publicUrl: parsePublicUrl(env.PALERMO_PUBLIC_URL),
  };
}
