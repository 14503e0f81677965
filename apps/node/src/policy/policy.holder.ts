import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { CedarPolicyEngine, DEFAULT_POLICY_TEXT, policySha256, type ActorRef } from '@palermo/policy';
import { DomainError } from '@palermo/indicators';
import { Store, type PolicyVersionRecord } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';

/** The live policy: a compiled engine and the stored version it was compiled from. */
export interface LivePolicy {
  engine: CedarPolicyEngine;
  version: number;
}

/**
 * Holds the active jurisdiction policy. The database's newest version is the active one; at first
 * boot it is seeded from `policy.file` (or the permissive default, which the baseline still bounds).
 * A new version replaces the engine only after it compiled and was stored, so an invalid policy
 * never interrupts the active one.
 */
@Injectable()
export class PolicyHolder implements OnModuleInit {
  private readonly logger = new Logger('PolicyHolder');
  private live?: LivePolicy;
  private changing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const active = (await this.store.policies.active()) ?? (await this.seed());
    this.live = { engine: compileStored(active), version: active.version };
    if (this.config.policy.file) {
      if (policySha256(readFileSync(this.config.policy.file, 'utf8')) !== active.sha256) {
        this.logger.warn(`${this.config.policy.file} differs from policy version ${active.version}; the stored version stays active (PUT /api/v1/policy changes it)`);
      }
    }
    this.logger.log(`policy version ${active.version} active (${active.sha256.slice(0, 12)})`);
  }

  /** The engine and version that decide right now. */
  current(): LivePolicy {
    if (!this.live) throw new DomainError('POLICY_NOT_LOADED', 'the policy is not loaded yet');
    return this.live;
  }

  /**
   * Compiles, stores and activates a new policy version (one at a time, so versions activate in
   * the order they are stored). Throws POLICY_INVALID with positions, changing nothing.
   */
  replace(text: string, author: ActorRef, comment: string | null): Promise<PolicyVersionRecord> {
    const next = this.changing.then(async () => {
      const engine = CedarPolicyEngine.compile(text);
      const stored = await this.store.policies.add({ text, sha256: engine.sha256, author, comment });
      this.live = { engine, version: stored.version };
      this.logger.log(`policy version ${stored.version} active (by ${author.name})`);
      return stored;
    });
    this.changing = next.catch(() => undefined);
    return next;
  }

  private async seed(): Promise<PolicyVersionRecord> {
    const file = this.config.policy.file;
    const text = file ? readFileSync(file, 'utf8') : DEFAULT_POLICY_TEXT;
    const engine = CedarPolicyEngine.compile(text);
    return this.store.policies.add({ text, sha256: engine.sha256, author: null, comment: file ? `seeded from ${file}` : 'seeded with the default policy' });
  }
}

function compileStored(version: PolicyVersionRecord): CedarPolicyEngine {
  try {
    return CedarPolicyEngine.compile(version.text);
  } catch (err) {
    // A stored version that no longer compiles (e.g. after an upgrade changed the schema) must stop
    // the node rather than run without a policy.
    throw new DomainError('POLICY_INVALID', `stored policy version ${version.version} does not compile: ${(err as Error).message}`, (err as DomainError).details);
  }
}
