import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { generateKey, parseServerKey, serverKeyHex, type LookupServerKey } from '@palermo/lookups';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';

/**
 * The OPRF server keys, one per key epoch, in `<dataDir>/keys/lookup/epoch-<n>.key` (mode 0600, like
 * the node's private key) — never in the database, so a dump of the PRF tables cannot be extended
 * by evaluating guesses. Not encrypted at rest: the data dir's protection is the node key's.
 */
@Injectable()
export class LookupKeys {
  private readonly cache = new Map<number, LookupServerKey>();

  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  /** Creates the key of a new epoch; refuses to replace an existing one (its table would stop matching). */
  create(epoch: number): LookupServerKey {
    const file = this.file(epoch);
    if (existsSync(file)) return this.get(epoch)!;
    mkdirSync(join(this.config.dataDir, 'keys', 'lookup'), { recursive: true, mode: 0o700 });
    const key = generateKey();
    writeFileSync(file, `${serverKeyHex(key)}\n`, { mode: 0o600, flag: 'wx' });
    this.cache.set(epoch, key);
    return key;
  }

  /** The key of `epoch`, or null when this data dir has none. */
  get(epoch: number): LookupServerKey | null {
    const cached = this.cache.get(epoch);
    if (cached) return cached;
    const file = this.file(epoch);
    if (!existsSync(file)) return null;
    const parsed = parseServerKey(readFileSync(file, 'utf8').trim());
    if (!parsed.ok) throw new DomainError('LOOKUP_KEY_INVALID', `${file}: ${parsed.message}`);
    this.cache.set(epoch, parsed.key);
    return parsed.key;
  }

  /** Destroys the key of a retired epoch whose table is gone: nothing can be evaluated or matched with it any more. */
  destroy(epoch: number): boolean {
    this.cache.delete(epoch);
    const file = this.file(epoch);
    if (!existsSync(file)) return false;
    rmSync(file);
    return true;
  }

  private file(epoch: number): string {
    if (!Number.isSafeInteger(epoch) || epoch < 1) throw new DomainError('LOOKUP_KEY_INVALID', `epoch ${epoch} is not a key epoch`);
    return join(this.config.dataDir, 'keys', 'lookup', `epoch-${epoch}.key`);
  }
}
