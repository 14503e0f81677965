import { Injectable, Logger } from '@nestjs/common';
import { canEncryptTo, readPublicKey, verifyKeyRevocation, verifyKeyRotation } from '@palermo/bundles';
import type { FeedVerdict, KeyStatementMessage } from '@palermo/federation';
import { statementHash, Store, type StatementBytes } from '@palermo/store';
import { readKeyStatement } from './key-statement.reader';

type Refusal = { code: string; message: string; kind: 'rotation' | 'revocation' | 'unknown' };

/**
 * The partner's side of a key statement: checked against the key PINNED for the node whose stream
 * carried it (never a key the statement brings along), then applied — a rotation moves the pin and
 * supersedes the old key, a revocation marks a key of the history. A refused statement is recorded
 * with its reason and audited; a redelivered one (same hash) changes nothing.
 */
@Injectable()
export class KeyStatementInbox {
  private readonly logger = new Logger('KeyStatementInbox');

  constructor(private readonly store: Store) {}

  readonly handle = async (msg: KeyStatementMessage): Promise<FeedVerdict> => {
    const statement: StatementBytes = { hash: statementHash(msg.payload), bytes: msg.payload };
    if (await this.store.keyHistory.received(msg.publisher, statement.hash)) return 'ack';
    const outcome = await this.apply(msg, statement);
    if (outcome && 'code' in outcome) {
      const { duplicate } = await this.store.keyHistory.refuse({ nodeId: msg.publisher, kind: outcome.kind, statement, code: outcome.code, message: outcome.message, streamSeq: msg.streamSeq });
      if (!duplicate) this.logger.warn(`refused key statement of ${msg.publisher} #${msg.streamSeq}: ${outcome.code} ${outcome.message}`);
    }
    return 'ack';
  };

  private async apply(msg: KeyStatementMessage, statement: StatementBytes): Promise<Refusal | undefined> {
    const read = readKeyStatement(msg.payload);
    if (!read.ok) return { ...read, kind: 'unknown' };
    const partner = await this.store.partners.get(msg.publisher);
    if (!partner) return { code: 'KEY_STATEMENT_UNKNOWN_PARTNER', message: `${msg.publisher} is not a pinned partner of this node`, kind: read.kind };
    return read.kind === 'rotation' ? this.rotation(msg, statement, read.value, partner) : this.revocation(msg, statement, read.value);
  }

  private async rotation(msg: KeyStatementMessage, statement: StatementBytes, value: unknown, partner: { fingerprint: string; armoredPublicKey: string }): Promise<Refusal | undefined> {
    const verified = await verifyKeyRotation(value, partner.armoredPublicKey, { nodeId: msg.publisher });
    if (!verified.ok) return { code: verified.code, message: verified.message, kind: 'rotation' };
    const { rotation } = verified;
    // Pinning a key restricted bundles cannot be encrypted to would hold that partner's chain; the
    // pin stays, and a rotation from it to a usable key is still accepted.
    if (!(await canEncryptTo(await readPublicKey(rotation.newPublicKey)))) {
      return { code: 'PARTNER_KEY_CANNOT_ENCRYPT', message: `the new key ${rotation.newFingerprint} of ${msg.publisher} has no usable encryption subkey`, kind: 'rotation' };
    }
    const result = await this.store.keyHistory.acceptRotation({
      nodeId: msg.publisher,
      oldFingerprint: rotation.oldFingerprint,
      newFingerprint: rotation.newFingerprint,
      newArmoredPublicKey: rotation.newPublicKey,
      at: new Date(rotation.at),
      statement,
      streamSeq: msg.streamSeq,
    });
    if (result === 'stale') return { code: 'ROTATION_OLD_KEY_NOT_PINNED', message: `the pin of ${msg.publisher} moved away from ${rotation.oldFingerprint} while this statement was checked`, kind: 'rotation' };
    if (result === 'accepted') this.logger.log(`${msg.publisher} rotated its key ${rotation.oldFingerprint.slice(0, 16)} → ${rotation.newFingerprint.slice(0, 16)}: pinned`);
    return undefined;
  }

  private async revocation(msg: KeyStatementMessage, statement: StatementBytes, value: unknown): Promise<Refusal | undefined> {
    const claimed = (value as { revocation?: { fingerprint?: unknown } }).revocation?.fingerprint;
    const revoked = typeof claimed === 'string' ? await this.store.keyHistory.partnerKey(msg.publisher, claimed) : null;
    const successor = revoked?.successor ? await this.store.keyHistory.partnerKey(msg.publisher, revoked.successor) : null;
    const verified = await verifyKeyRevocation(value, { nodeId: msg.publisher, revokedKey: revoked?.armoredPublicKey ?? '', successorKey: successor?.armoredPublicKey });
    if (!verified.ok) {
      // Shape and node id are checked before the key: only a well-formed statement about an unknown key gets here.
      if (!revoked && verified.code === 'REVOCATION_KEY_INVALID') {
        return { code: 'REVOCATION_KEY_UNKNOWN', message: `revokes ${String(claimed).slice(0, 64)}, which was never pinned for ${msg.publisher}`, kind: 'revocation' };
      }
      return { code: verified.code, message: verified.message, kind: 'revocation' };
    }
    const { revocation } = verified;
    const result = await this.store.keyHistory.acceptRevocation({
      nodeId: msg.publisher,
      fingerprint: revocation.fingerprint,
      reason: revocation.reason,
      compromisedAt: new Date(revocation.compromisedAt),
      at: new Date(revocation.at),
      signer: revocation.signer,
      statement,
      streamSeq: msg.streamSeq,
    });
    if (result === 'accepted') this.logger.warn(`${msg.publisher} revoked its key ${revocation.fingerprint.slice(0, 16)} (${revocation.reason}) from ${revocation.compromisedAt}`);
    return undefined;
  }
}
