/** Why a received message was quarantined instead of imported (stable codes, stored with it). */
export class QuarantineReason {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}
