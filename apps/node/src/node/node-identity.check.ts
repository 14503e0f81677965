import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { replaceSigningKey, settleStagedRotation } from '../keys/node-keys';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from './node-context';

/**
 * Refuses to start when the key in the data dir is not the key this database knows as the
 * node's own: a swapped key file would sign bundles partners then quarantine.
 */
@Injectable()
export class NodeIdentityCheck implements OnModuleInit {
  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  async onModuleInit(): Promise<void> {
    const active = await this.store.keys.getActiveKey();
    if (!active) {
      await this.store.keys.saveKey({ nodeId: this.config.nodeId, fingerprint: this.keys.fingerprint, armoredPublicKey: this.keys.armoredPublicKey });
      return;
    }
    // A rotation interrupted after its commit: the staged key file is the active one (keys/node-keys.ts).
    const settled = await settleStagedRotation(this.config.dataDir, this.keys.fingerprint, active.fingerprint);
    if (settled) replaceSigningKey(this.keys, settled);
    if (active.nodeId !== this.config.nodeId || active.fingerprint !== this.keys.fingerprint) {
      throw new DomainError(
        'NODE_KEY_MISMATCH',
        `the database belongs to ${active.nodeId} with key ${active.fingerprint}, but ${this.config.dataDir} holds ${this.config.nodeId} with key ${this.keys.fingerprint}`,
      );
    }
  }
}
