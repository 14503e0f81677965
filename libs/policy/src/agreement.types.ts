import type { IndicatorType, Tlp } from '@palermo/indicators';

/** What an agreement lets flow: `export` = this node may publish to the partner, `import` = this node may keep what the partner sends. */
export const DIRECTIONS = ['export', 'import'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Purposes an agreement may name; a lookup must state one of the agreed purposes. */
export const PURPOSES = ['investigation', 'prosecution', 'prevention', 'victim-protection', 'intelligence'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Stored states of an agreement (see nextAgreementState for the transitions). */
export const AGREEMENT_STATES = ['draft', 'active', 'suspended', 'terminated', 'superseded'] as const;
export type AgreementState = (typeof AGREEMENT_STATES)[number];

/** The state a decision sees: the stored state, `none` without an agreement, or the validity window's verdict. */
export type EffectiveAgreementState = 'none' | AgreementState | 'expired' | 'not-yet-valid';

/** Agreement terms as the policy sees them. Dates ISO 8601. */
export interface AgreementTerms {
  id: string;
  /** Node id of the partner. */
  partner: string;
  directions: Direction[];
  /** Indicator types covered; anything else is neither sent nor kept. */
  types: IndicatorType[];
  /** Most restricted TLP that may flow under this agreement. */
  maxTlp: Tlp;
  purposes: Purpose[];
  /** Days an imported indicator is kept; null = no limit. */
  retentionDays: number | null;
  /** Types kept only as a keyed pseudonym when imported. */
  pseudonymize: IndicatorType[];
  /** Whether the partner may ask hit/no-hit lookups. */
  lookups: boolean;
  /**
   * Whether every bundle on the partner's chain travels encrypted to its pinned key, not only those
   * with TLP:AMBER+STRICT or TLP:RED entries (absent = false).
   */
  encrypt?: boolean;
  /**
   * Onward sharing (absent = false): on export, indicators this node imported from other origins may go
   * to the partner; on import, indicators the partner relays from other origins are kept; on the
   * agreement with an origin, what it sent may be passed on.
   */
  onward?: boolean;
  validFrom: string;
  validUntil: string | null;
  state: AgreementState;
}

/** A command a policy officer gives an agreement. */
export type AgreementCommand = 'approve' | 'suspend' | 'resume' | 'terminate';

/** Who did something: the API token and the name it was issued to. */
export interface ActorRef {
  tokenId: string;
  name: string;
}

/** The officers whose earlier acts the four-eyes rule compares against. */
export interface AgreementActors {
  createdBy: ActorRef;
  suspendedBy: ActorRef | null;
}
