import { resolve } from 'node:path';
import { openStore, type Store } from '@palermo/store';
import { storeOptions } from '../../node/src/app.module';
import { defaultDataDir, loadNodeConfig, type NodeConfig } from '../../node/src/config/node.config';

/** Options every node-administration command accepts. */
export interface NodeDirOptions {
  dataDir?: string;
}

/** Resolves a node's data dir: --data-dir, then PALERMO_DATA_DIR, then .data/<PALERMO_NODE_ID>. */
export function resolveDataDir(opts: NodeDirOptions): string {
  if (opts.dataDir) return resolve(opts.dataDir);
  if (process.env.PALERMO_DATA_DIR) return resolve(process.env.PALERMO_DATA_DIR);
  if (process.env.PALERMO_NODE_ID) return defaultDataDir(process.env.PALERMO_NODE_ID);
  throw new UsageError('which node? pass --data-dir DIR (or set PALERMO_DATA_DIR)');
}

/** The node's config as the node itself would read it. */
export function nodeConfig(opts: NodeDirOptions): NodeConfig {
  return loadNodeConfig({ ...process.env, PALERMO_DATA_DIR: resolveDataDir(opts) });
}

/** Opens the node's store for one command and always closes it. */
export async function withStore<T>(config: NodeConfig, run: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeOptions(config));
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {}
