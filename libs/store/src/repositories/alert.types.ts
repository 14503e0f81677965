import type { IndicatorType, Tlp } from '@palermo/indicators';

/** How an alert's sources agree: same natural key, same pseudonym, or image hashes within the threshold. */
export type AlertKind = 'exact' | 'pseudonym' | 'near';
export const ALERT_KINDS: readonly AlertKind[] = ['exact', 'pseudonym', 'near'];
export type AlertState = 'open' | 'acknowledged';

/** What the sources of one alert agree on. */
export type AlertMatch =
  | { kind: 'exact'; type: IndicatorType; value: string; qualifier: string }
  | { kind: 'pseudonym'; type: IndicatorType; pseudonym: string }
  | { kind: 'near'; a: string; b: string; distance: number };

/** One indicator counted by an alert (never its value). */
export interface AlertSource {
  /** Node id of the indicator's origin. */
  origin: string;
  /** The indicator's id at its origin. */
  indicatorId: string;
  /** Node that sent it here (the bundle's publisher; the origin itself for own indicators). */
  via: string;
  /** Version this node holds. */
  version: number;
  tlp: Tlp;
  /** True when this node holds it only as a pseudonym. */
  pseudonymOnly: boolean;
  firstSeen: string;
  lastSeen: string;
  /** False once revoked, expired or purged: it no longer counts. */
  active: boolean;
  /** When it joined the alert. */
  addedAt: string;
}

/** A correlation alert as the API shows it. */
export interface AlertRecord {
  id: string;
  kind: AlertKind;
  type: string;
  /** The normalized value (exact, near); null for a pseudonym alert. */
  value: string | null;
  /** The other image hash of a near alert. */
  nearValue: string | null;
  /** The pseudonym of a pseudonym alert. */
  pseudonym: string | null;
  /** Hamming distance of a near alert. */
  distance: number | null;
  state: AlertState;
  /** Active sources (indicators). */
  sourceCount: number;
  /** Distinct origins among the active sources. */
  nodeCount: number;
  createdAt: string;
  updatedAt: string;
  sources: AlertSource[];
}

/** Filters of GET /alerts (validated at the edge; the repository checks what reaches SQL). */
export interface AlertFilter {
  type?: string;
  kind?: AlertKind;
  /** The origin node of a source. */
  origin?: string;
  /** A node that is the origin or the sender of a source. */
  node?: string;
  /** Only alerts updated at or after this instant (ISO 8601). */
  since?: string;
  minSources?: number;
  state?: AlertState;
  cursor?: string;
  limit?: number;
}

/** One indicator changed after the correlator's cursor. */
export interface ChangedIndicator {
  pk: string;
  changeSeq: string;
  origin: string;
  own: boolean;
  type: IndicatorType;
  value: string | null;
  pseudonym: string | null;
  platform: string | null;
  chain: string | null;
  active: boolean;
}

/** What the correlator derived from one page of changes. */
export interface CorrelationPage {
  /** change_seq of the last indicator of the page: the cursor moves there. */
  upTo: string;
  /** The indicators of the page (alerts they are in are recomputed). */
  indicatorPks: string[];
  /** This node's pseudonym of each indicator of the page. */
  keys: { indicatorPk: string; type: string; pseudonym: string }[];
  /** Match keys the page's indicators take part in now. */
  matches: AlertMatch[];
}
