import type { Bundle } from '@palermo/bundles';

/** Why a received message was quarantined instead of imported (stable codes, stored with it). */
export class QuarantineReason {
  constructor(
    readonly code: string,
    readonly message: string,
    /** The bundle, when it parsed and its publisher and chain are known: its publisher then gets a receipt. */
    readonly about?: { bundle: Bundle; hash: string },
  ) {}
}
