import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Every repository call works on its own fork of the root EntityManager, so no identity map
 * outlives one call (one HTTP request, NATS message or job may make several calls; none of them
 * sees entities cached by another). Transactions run on a throwaway fork too, because MikroORM
 * merges a transaction's entities back into the EntityManager that started it.
 */
export abstract class Repository {
  constructor(private readonly root: EntityManager) {}

  /** A fresh EntityManager for one read. */
  protected fork(): EntityManager {
    return this.root.fork();
  }

  /** Runs `work` in one transaction on a fresh EntityManager; it commits when `work` resolves. */
  protected transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.root.fork().transactional(work);
  }
}
