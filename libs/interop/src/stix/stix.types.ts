import type { Tlp } from '@palermo/indicators';

/** Any STIX 2.1 object as JSON: what the mappers produce and what the reader yields (after a type check). */
export type StixObject = Record<string, unknown> & { type: string; id: string };

/** A STIX 2.1 `indicator` as Palermo writes it (custom `x_palermo_*` properties included). */
export interface StixIndicator extends StixObject {
  type: 'indicator';
  spec_version: '2.1';
  created: string;
  modified: string;
  pattern: string;
  pattern_type: 'stix';
  pattern_version: '2.1';
  valid_from: string;
  valid_until?: string;
  revoked?: boolean;
}

/** How a Palermo revocation travels in STIX: `revoked: true` on a new version of the indicator. */
export interface StixRevocation {
  /** When the origin revoked the indicator (ISO 8601); becomes `modified`. */
  revokedAt: string | Date;
  /** The origin's reason, kept as `x_palermo_revocation_reason`. */
  reason?: string;
}

/** A node as a STIX identity (the `created_by_ref` of what it publishes). */
export interface NodeIdentity {
  /** Palermo node id, e.g. "nl-police". */
  nodeId: string;
  /** ISO 3166-1 alpha-2 jurisdiction, e.g. "NL". */
  jurisdiction?: string;
}

/** A local sighting, as `store.sightings.pageSince` returns it, ready for sightingToStix. */
export interface SightingForStix {
  /** Sighting id (uuid). */
  id: string;
  /** Origin node of the sighted indicator. */
  indicatorOrigin: string;
  /** The origin's id of the sighted indicator (uuid v7). */
  indicatorOriginId: string;
  /** Node that saw it. */
  sightedBy: string;
  /** How many times (≥ 1). */
  count: number;
  /** First time seen in this sighting. */
  firstSeen: string | Date;
  /** Last time seen in this sighting. */
  lastSeen: string | Date;
  /** Free-text note of the analyst. */
  note?: string | null;
  /** When the sighting was recorded. */
  createdAt: string | Date;
  /** Marking for the sighting (usually the indicator's TLP); unmarked when absent. */
  tlp?: Tlp;
}

/** Raw analyst-input object for parseIndicatorBatch / indicatorInputSchema (not yet validated). */
export interface StixIndicatorInput {
  type: string;
  value: string;
  platform?: string;
  chain?: string;
  tlp: Tlp;
  confidence?: unknown;
  tags: string[];
  firstSeen?: string;
  lastSeen?: string;
  validUntil?: string;
  description?: unknown;
}

/** Outcome of stixObjectToIndicator for one object of a bundle. */
export type StixImportItem =
  | {
      kind: 'indicator';
      /** STIX id of the object (`indicator--…`): the idempotency key together with `modified`. */
      stixId: string;
      /** `modified` (or `created`) as toISOString (millisecond precision; finer digits are cut). */
      modified: string;
      /** True when the object says `revoked: true`. */
      revoked: boolean;
      /** Raw input for parseIndicatorBatch / indicatorInputSchema: validation happens there (one schema). */
      input: StixIndicatorInput;
      /** What was dropped on the way (labels that are not Palermo tags, …); empty when nothing was. */
      warnings: string[];
      /** Provenance when the object was written by a Palermo node (`x_palermo_*`). */
      palermo?: { origin: string; id: string; version: number };
    }
  | { kind: 'ignored'; stixId: string | null; stixType: string; reason: string }
  | { kind: 'failed'; stixId: string | null; stixType: string | null; code: string; reason: string };

/** Options of stixObjectToIndicator. */
export interface StixImportOptions {
  /** TLP of an object without marking refs. */
  defaultTlp: Tlp;
  /**
   * Marking definitions the operator accepts besides the standard TLP ones: the TLP they mean, or
   * 'ignore' for markings that do not restrict sharing (e.g. a copyright statement). Any other
   * marking ref fails the object: a marking we cannot read may restrict.
   */
  markings?: ReadonlyMap<string, Tlp | 'ignore'>;
}
