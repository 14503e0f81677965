import { NodeKeyEntity } from '../entities/node-key.entity';
import type { NodeKeyRecord } from '../store.types';
import { appendAudit } from './audit.repository';
import { Repository } from './repository.base';

/** This node's signing keys (public halves); one of them is active. */
export class KeyRepository extends Repository {
  /** The active signing key, or null before `palermo init`. */
  async getActiveKey(): Promise<NodeKeyRecord | null> {
    const row = await this.fork().findOne(NodeKeyEntity, { active: true });
    return row ? toRecord(row) : null;
  }

  /** Stores a key and makes it the active one (the previous key stays, inactive, for audits). */
  async saveKey(input: { nodeId: string; fingerprint: string; armoredPublicKey: string }): Promise<NodeKeyRecord> {
    return this.transaction(async (em) => {
      await em.nativeUpdate(NodeKeyEntity, { active: true, fingerprint: { $ne: input.fingerprint } }, { active: false });
      let row = await em.findOne(NodeKeyEntity, { fingerprint: input.fingerprint });
      const created = !row;
      const wasActive = row?.active === true;
      if (!row) {
        row = em.create(NodeKeyEntity, { ...input, active: true, createdAt: new Date() });
      } else {
        row.nodeId = input.nodeId;
        row.armoredPublicKey = input.armoredPublicKey;
        row.active = true;
      }
      await em.flush();
      if (created || !wasActive) {
        const action = created ? 'key.created' : 'key.activated';
        await appendAudit(em, [{ actor: null, action, subjectType: 'node-key', subjectId: input.fingerprint, details: { nodeId: input.nodeId, fingerprint: input.fingerprint } }]);
      }
      return toRecord(row);
    });
  }
}

function toRecord(row: NodeKeyEntity): NodeKeyRecord {
  return {
    nodeId: row.nodeId,
    fingerprint: row.fingerprint,
    armoredPublicKey: row.armoredPublicKey,
    createdAt: row.createdAt.toISOString(),
  };
}
