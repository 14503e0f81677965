import type { IndicatorType, Tlp, WireIndicator } from '@palermo/indicators';

/** What the import policy may do with one indicator. */
export type ImportAction = 'accept' | 'accept-pseudonymized' | 'reject';

/** What the export policy may do with one indicator for one audience. */
export type ExportAction = 'share' | 'withhold';

/** A decision with the ids of the rules that decided it ("why did we not receive this?"). */
export interface Decision<A extends string> {
  action: A;
  /** Ids of the deciding rules, most specific first; never empty. */
  reasons: string[];
}
export type ImportDecision = Decision<ImportAction>;
export type ExportDecision = Decision<ExportAction>;

/** Facts the import policy sees for one indicator of one verified bundle. */
export interface ImportRequest {
  indicator: WireIndicator;
  /** The verified publisher (node id) and its jurisdiction (ISO 3166-1 alpha-2). */
  publisher: string;
  publisherJurisdiction: string;
  /** The audience of the bundle: this node's id or "all". */
  audience: string;
}

/** Facts the export policy sees for one own indicator and one audience. */
export interface ExportRequest {
  indicator: WireIndicator;
  /** A partner node id or "all". */
  audience: string;
}

/**
 * The seam the policy engine plugs into. The walking federation ships a config-driven
 * implementation; a later engine (Cedar) implements the same interface. Batch calls let an
 * implementation cache or group by equivalence class.
 */
export interface ImportPolicy {
  decideImport(requests: readonly ImportRequest[]): ImportDecision[];
}
export interface ExportPolicy {
  decideExport(requests: readonly ExportRequest[]): ExportDecision[];
}

/** The import rules a node's config may set (YAML `import:` section). Absent = no restriction. */
export interface ImportPolicyConfig {
  allowedTypes?: IndicatorType[];
  minConfidence?: number;
  maxTlp?: Tlp;
  pseudonymizeTypes?: IndicatorType[];
}
