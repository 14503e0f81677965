import { Inject, Injectable, Logger } from '@nestjs/common';
import { generateNodeKey, makeKeyRevocation, makeKeyRotation, readPrivateKey, readPublicKey, REVOCATION_REASONS, type RevocationReason } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import { statementHash, Store, type ActorRef } from '@palermo/store';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { KeyOutbox } from './key.outbox';
import { keyStatementBytes } from './key-statement.reader';
import { loadRetiredPrivateKey, replaceSigningKey, stageRotatedKey } from './node-keys';
import { OwnKeyRing } from './own-key.ring';

/** Input of a revocation of one of this node's keys. */
export interface RevokeKeyInput {
  fingerprint: string;
  reason: RevocationReason;
  /** From when the key's signatures are not trusted; default now. */
  compromisedAt?: string;
}

/**
 * This node's side of key rotation and revocation. A rotation makes a new v4 EdDSA key, a statement
 * signed by the old and the new key, commits both keys' history with the statement in the outbox,
 * puts the statement in the key stream, and only then signs with the new key: a partner that meets
 * a bundle signed by the new key finds the statement before it in the stream. A revocation is signed
 * by the key's successor (or by the key itself when this node still holds it).
 */
@Injectable()
export class KeysService {
  private readonly logger = new Logger('KeysService');
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly outbox: KeyOutbox,
    private readonly ring: OwnKeyRing,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  /** This node's keys, oldest first, with retirement and revocation, and its last key statements (own and received). */
  async history() {
    const keys = await this.store.keyHistory.ownKeys();
    return { current: this.keys.fingerprint, items: keys.map(({ armoredPublicKey: _key, ...k }) => k), statements: await this.store.keyHistory.statements() };
  }

  /**
   * What anyone may know about this node's earlier keys (GET /node): each key's public half and
   * fate, and the signed rotation statements that chain them, so a verifier who trusts one key can
   * follow the chain to the others (e.g. `palermo audit verify` for checkpoints signed before a rotation).
   */
  async publicHistory() {
    const keys = await this.store.keyHistory.ownKeys();
    const rotations = (await this.store.keyHistory.ownStatementBytes('rotation')).map((bytes) => JSON.parse(new TextDecoder().decode(bytes)) as unknown);
    return {
      keys: keys.map((k) => ({ fingerprint: k.fingerprint, publicKey: k.armoredPublicKey, createdAt: k.createdAt, retiredAt: k.retiredAt, successor: k.successor, revokedAt: k.revokedAt, compromisedAt: k.compromisedAt, revocationReason: k.revocationReason })),
      rotations,
    };
  }

  /** Every key pinned for a partner (current and superseded, with revocations) and the statements received from it. */
  async partnerHistory(nodeId: string) {
    const partner = await this.store.partners.get(nodeId);
    if (!partner) throw new DomainError('PARTNER_NOT_FOUND', `${nodeId} is not a pinned partner`);
    const keys = await this.store.keyHistory.partnerKeys(nodeId);
    return { partner: nodeId, pinned: partner.fingerprint, keys: keys.map(({ armoredPublicKey: _key, ...k }) => k), statements: await this.store.keyHistory.statements({ direction: 'in', nodeId }) };
  }

  /** Rotates the signing key (one rotation or revocation at a time). */
  rotate(actor: ActorRef | null) {
    return this.serialized(() => this.rotateNow(actor));
  }

  /** Revokes one of this node's keys (not the one it signs with: rotate first). */
  revoke(input: RevokeKeyInput, actor: ActorRef | null) {
    return this.serialized(() => this.revokeNow(input, actor));
  }

  private async rotateNow(actor: ActorRef | null) {
    const old = { fingerprint: this.keys.fingerprint, privateKey: this.keys.privateKey };
    const material = await generateNodeKey({ nodeId: this.config.nodeId, jurisdiction: this.config.jurisdiction });
    const next = { fingerprint: material.fingerprint, armoredPublicKey: material.armoredPublicKey, privateKey: await readPrivateKey(material.armoredPrivateKey), publicKey: await readPublicKey(material.armoredPublicKey) };
    const signed = await makeKeyRotation({ nodeId: this.config.nodeId, oldPrivateKey: old.privateKey, newPrivateKey: next.privateKey, newArmoredPublicKey: next.armoredPublicKey });
    const bytes = keyStatementBytes(signed);
    const statement = { hash: statementHash(bytes), bytes };
    const files = stageRotatedKey(this.config.dataDir, old.fingerprint, material);
    try {
      await this.store.keyHistory.rotateOwn({ nodeId: this.config.nodeId, oldFingerprint: old.fingerprint, newFingerprint: next.fingerprint, newArmoredPublicKey: next.armoredPublicKey, at: new Date(signed.rotation.at), statement, actor });
    } catch (err) {
      files.abandon();
      throw err;
    }
    files.commit();
    // A partner that reads the statement at once may encrypt to the new key before the swap below.
    this.ring.stage(next);
    // Statement first, new signatures after: bounded by the NATS request timeout; when NATS is down the outbox retries.
    await this.outbox.flush();
    replaceSigningKey(this.keys, next);
    const published = (await this.store.keyHistory.statements({ direction: 'out', limit: 20 })).find((s) => s.statementHash === statement.hash)?.publishedAt ?? null;
    this.logger.warn(`key rotated ${old.fingerprint} → ${next.fingerprint}${published ? '' : ' (statement not yet published: NATS unavailable, retrying)'}`);
    return { oldFingerprint: old.fingerprint, newFingerprint: next.fingerprint, at: signed.rotation.at, statementHash: statement.hash, publishedAt: published };
  }

  private async revokeNow(input: RevokeKeyInput, actor: ActorRef | null) {
    if (!(REVOCATION_REASONS as readonly string[]).includes(input.reason)) throw new DomainError('KEY_REVOCATION_INVALID', `reason must be one of ${REVOCATION_REASONS.join(', ')}`);
    const now = new Date();
    const compromisedAt = input.compromisedAt === undefined ? now : new Date(input.compromisedAt);
    if (Number.isNaN(compromisedAt.getTime()) || compromisedAt > now) throw new DomainError('KEY_REVOCATION_INVALID', 'compromisedAt must be an ISO 8601 instant, not in the future');
    const keys = await this.store.keyHistory.ownKeys();
    const key = keys.find((k) => k.fingerprint === input.fingerprint);
    if (!key) throw new DomainError('KEY_NOT_FOUND', `${input.fingerprint} is not one of this node's keys`);
    if (key.fingerprint === this.keys.fingerprint) throw new DomainError('KEY_IS_ACTIVE', `${key.fingerprint} is the key this node signs with: rotate first (POST /keys/rotate), then revoke it`);
    if (key.revokedAt) throw new DomainError('KEY_ALREADY_REVOKED', `${key.fingerprint} was revoked at ${key.revokedAt}`);
    // The successor signs when it is the key in use (partners pinned it through the rotation); otherwise the key itself.
    const privateKey = key.successor === this.keys.fingerprint ? this.keys.privateKey : await loadRetiredPrivateKey(this.config.dataDir, key.fingerprint);
    if (!privateKey) throw new DomainError('KEY_PRIVATE_NOT_KEPT', `neither ${key.fingerprint} nor its successor is held by this node; it cannot sign the revocation`);
    const signed = await makeKeyRevocation({ nodeId: this.config.nodeId, fingerprint: key.fingerprint, compromisedAt, reason: input.reason, privateKey, at: now });
    const bytes = keyStatementBytes(signed);
    const statement = { hash: statementHash(bytes), bytes };
    await this.store.keyHistory.revokeOwn({ nodeId: this.config.nodeId, fingerprint: key.fingerprint, reason: input.reason, compromisedAt, at: now, signer: signed.revocation.signer, statement, actor });
    await this.outbox.flush();
    this.logger.warn(`key ${key.fingerprint} revoked (${input.reason}) from ${compromisedAt.toISOString()}`);
    return { fingerprint: key.fingerprint, reason: input.reason, compromisedAt: compromisedAt.toISOString(), at: now.toISOString(), signer: signed.revocation.signer, statementHash: statement.hash };
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.busy.then(work, work);
    this.busy = run.catch(() => undefined);
    return run;
  }
}
