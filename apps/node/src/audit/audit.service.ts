import { Injectable } from '@nestjs/common';
import { Store } from '@palermo/store';
import { AuditCheckpointer } from './audit.checkpointer';
import type { AuditQuery, CheckpointQuery } from './audit.query';

/** Reading the audit log and its signed checkpoints (the store appends; nothing here writes entries). */
@Injectable()
export class AuditService {
  constructor(
    private readonly store: Store,
    private readonly checkpointer: AuditCheckpointer,
  ) {}

  /**
   * A page of entries oldest first, with the head read BEFORE the page: every entry up to head.seq
   * is then visible to the page query, so a verifier that reaches the end and finds fewer entries
   * than the head knows entries were deleted (not appended meanwhile).
   */
  async entries(query: AuditQuery) {
    const head = await this.store.audit.head();
    const page = await this.store.audit.entries(query);
    return { ...page, head };
  }

  checkpoints(query: CheckpointQuery) {
    return this.store.audit.checkpoints(query);
  }

  /** Signs the head now (or returns the checkpoint that already covers it); seq 0 while the log is empty. */
  async checkpointNow() {
    const checkpoint = await this.checkpointer.checkpointNow();
    return checkpoint ?? { seq: 0, hash: null };
  }
}
