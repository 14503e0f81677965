import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { INDICATOR_TYPES, JURISDICTION_PATTERN, NODE_ID_RULE, TLP_LEVELS, isNodeId } from '@palermo/indicators';
import type { ImportPolicyConfig } from '@palermo/policy';

/** The typed configuration of one node, parsed once at boot (env wins over the YAML file). */
export interface NodeConfig {
  nodeId: string;
  jurisdiction: string;
  host: string;
  port: number;
  natsUrl: string;
  /** PostgreSQL URL; absent = embedded PGlite under `<dataDir>/pglite`. */
  databaseUrl?: string;
  dataDir: string;
  configFile?: string;
  /** `partners`: the partners this node shares beyond the community chain with (its sharing agreements, until those exist as data). */
  export: { maxDelayMs: number; maxBundleBytes: number; partners: string[] };
  import: { maxBundleBytes: number; policy: ImportPolicyConfig };
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
    databaseUrl: z.string().optional(),
    export: z
      .object({
        maxDelayMs: z.number().int().min(10).max(1000).optional(),
        maxBundleBytes: z.number().int().min(65536).max(8 * 1024 * 1024).optional(),
        partners: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    import: z
      .object({
        maxBundleBytes: z.number().int().min(4096).max(8 * 1024 * 1024).optional(),
        allowedTypes: z.array(z.enum(INDICATOR_TYPES)).optional(),
        minConfidence: z.number().int().min(0).max(100).optional(),
        maxTlp: z.enum(TLP_LEVELS).optional(),
        pseudonymizeTypes: z.array(z.enum(INDICATOR_TYPES)).optional(),
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

/** PALERMO_EXPORT_PARTNERS (comma-separated) or YAML export.partners: node ids, each checked. */
function parseExportPartners(raw: string | undefined, fromFile: string[] | undefined): string[] {
  const name = raw !== undefined ? 'PALERMO_EXPORT_PARTNERS' : 'export.partners';
  const ids = raw !== undefined ? raw.split(',').map((s) => s.trim()).filter(Boolean) : (fromFile ?? []);
  const bad = ids.find((id) => !isNodeId(id));
  if (bad !== undefined) throw new ConfigError(`${name}: ${JSON.stringify(bad)} is not a node id`);
  return [...new Set(ids)];
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
  const exportPartners = parseExportPartners(env.PALERMO_EXPORT_PARTNERS, file.export?.partners);
  const { maxBundleBytes: importMax, ...policy } = file.import ?? {};
  return {
    nodeId,
    jurisdiction: jur.data,
    host: env.HOST ?? file.host ?? '127.0.0.1',
    port: intFrom('PORT', env.PORT, file.port ?? 8080, 0, 65535),
    natsUrl,
    databaseUrl,
    dataDir: dataDirFromEnv ?? defaultDataDir(nodeId),
    configFile: configFile && existsSync(configFile) ? configFile : undefined,
    export: {
      maxDelayMs: intFrom('PALERMO_EXPORT_MAX_DELAY_MS', env.PALERMO_EXPORT_MAX_DELAY_MS, file.export?.maxDelayMs ?? 250, 10, 1000),
      maxBundleBytes,
      partners: exportPartners,
    },
    import: {
      maxBundleBytes: intFrom('PALERMO_IMPORT_MAX_BYTES', env.PALERMO_IMPORT_MAX_BYTES, importMax ?? 1024 * 1024, 4096, 8 * 1024 * 1024),
      policy,
    },
  };
}
