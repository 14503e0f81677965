import type { IndicatorInput, Tlp } from '@palermo/indicators';

/** Options of mispEventToIndicators. */
export interface MispImportOptions {
  /** TLP when neither a tlp:* tag nor a distribution says anything (default amber). */
  defaultTlp?: Tlp;
  /** Region for national phone numbers (the node's jurisdiction), as for POST /indicators. */
  defaultRegion?: string;
  /** Confidence given to every mapped indicator (MISP attributes carry none; default 50). */
  confidence?: number;
  /** Skip attributes whose to_ids flag is false (default false: phone-number is to_ids=0 by MISP's own default). */
  requireToIds?: boolean;
  /** Most attributes (event + objects) read; more is MISP_TOO_MANY_ATTRIBUTES (default 10,000). */
  maxAttributes?: number;
}

/** The MISP event the indicators came from (provenance). */
export interface MispEventSummary {
  /** Event uuid (kept across MISP instances). */
  uuid: string;
  /** Event title (`info`), cut to 256 characters. */
  info: string;
  /** Event date (YYYY-MM-DD) or null when absent or not a date. */
  date: string | null;
  /** Creating organisation; left out under tlp:ex:chr (Chatham House: the source is not disclosed). */
  orgc?: { uuid?: string; name?: string };
}

/** Where one mapped indicator came from in the event. */
export interface MispSource {
  /** Attribute uuid. With `component`, the idempotency key of the indicator. */
  uuid: string;
  /** MISP attribute type, e.g. "phone-number", "domain|ip". */
  type: string;
  /** MISP category, e.g. "Financial fraud" (empty when absent). */
  category: string;
  /**
   * Attribute timestamp as ISO 8601 UTC (when it was created or last changed in MISP); without one,
   * the object's, then the event's timestamp / publish_timestamp, then the event date (with a
   * MISP_NO_TIMESTAMP warning); null only when the event has none of these.
   */
  timestamp: string | null;
  /** The attribute's to_ids flag (actionable for detection). */
  toIds: boolean;
  /** For composite attributes that yield two indicators (domain|ip): which half this is. */
  component?: 'domain' | 'ip';
  /** The object the attribute belongs to, when it is in one. */
  object?: { uuid: string; name: string; relation: string };
}

/** One indicator mapped from one attribute, validated and normalized (also valid raw input). */
export interface MispItem {
  source: MispSource;
  input: IndicatorInput;
}

/** An attribute deleted in MISP (or in a deleted object): what an earlier import made of it is revoked. */
export interface MispDeletion {
  /** Attribute uuid. */
  uuid: string;
  /** For composite attributes (domain|ip): which half. */
  component?: 'domain' | 'ip';
  /** When it was deleted (the attribute's timestamp, with the same fallbacks as MispSource.timestamp). */
  timestamp: string | null;
}

/** An attribute (or one half of a composite one) that did not become an indicator, and why. */
export interface MispSkipped {
  /** Attribute uuid, when it had one. */
  uuid?: string;
  /** MISP attribute type ("" when absent). */
  type: string;
  /** The value, cut to 80 characters. */
  value?: string;
  /** Stable code, e.g. MISP_TYPE_UNSUPPORTED, MISP_DELETED, PHONE_INVALID, MISP_DUPLICATE_IN_EVENT. */
  code: string;
  /** Human-readable reason. */
  reason: string;
}

/** Something kept with a change the analyst should know about (a tag dropped, TLP raised, …). */
export interface MispWarning {
  /** Attribute uuid, or the event uuid for event-level warnings. */
  uuid: string;
  /** Stable code, e.g. MISP_TAG_DROPPED, MISP_TLP_UNKNOWN, MISP_DESCRIPTION_DROPPED. */
  code: string;
  /** Human-readable message. */
  message: string;
}

/** Outcome of mapping one MISP event. */
export interface MispImport {
  event: MispEventSummary;
  items: MispItem[];
  skipped: MispSkipped[];
  warnings: MispWarning[];
  /** Deleted attributes (also listed in `skipped` as MISP_DELETED), for revoking what they produced before. */
  deleted: MispDeletion[];
}
