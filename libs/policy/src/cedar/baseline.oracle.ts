// Test oracle (not exported from index.ts): what the baseline plus the default policy must decide,
// written from the rules in plain TypeScript, without Cedar, so the engine is checked against an
// independent reading of agreements and TLP 2.0.
import type { IndicatorType, Tlp } from '@palermo/indicators';
import type { Direction } from '../agreement.types';
import type { ExportAction, ImportAction } from '../policy.types';

/** How an indicator travels in a matrix case. */
export type Route = 'export-partner' | 'export-all' | 'import-partner' | 'import-all';

/** The facts of one case, as the oracle reads them. */
export interface OracleCase {
  route: Route;
  tlp: Tlp;
  type: IndicatorType;
  /** Effective agreement state; `none` = no agreement. */
  state: 'none' | 'draft' | 'active' | 'suspended' | 'terminated' | 'superseded' | 'expired' | 'not-yet-valid';
  maxTlp: Tlp;
  directions: Direction[];
  typeAgreed: boolean;
  pseudonymizeAgreed: boolean;
  /** The sender is not the indicator's origin. */
  onward: boolean;
  /** The agreement with the other side allows onward sharing (absent = false). */
  onwardAgreed?: boolean;
  /** The bundle is (export: will be; import: was) encrypted to the recipient. */
  encrypted: boolean;
}

const ORDER: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
// TLP 2.0: what may be read by anyone who reads the community chain.
const FOR_EVERYONE: readonly Tlp[] = ['clear'];
// TLP 2.0: for the recipient organisation / named recipient only, so only in a bundle encrypted to it, and never relayed.
const RECIPIENT_ONLY: readonly Tlp[] = ['amber+strict', 'red'];

/** Whether the indicator may reach (export) or be kept by (import) the other side at all. */
export function oracleFlows(c: OracleCase): boolean {
  // Relayed indicators flow only under an agreement that allows onward sharing; the community chain has none.
  if (c.onward && (c.route.endsWith('-all') || c.onwardAgreed !== true)) return false;
  if (c.route === 'export-all') return FOR_EVERYONE.includes(c.tlp);
  const wanted: Direction = c.route === 'export-partner' ? 'export' : 'import';
  if (c.state !== 'active' || !c.directions.includes(wanted) || !c.typeAgreed) return false;
  if (ORDER.indexOf(c.tlp) > ORDER.indexOf(c.maxTlp)) return false;
  if (c.route === 'import-all' && !FOR_EVERYONE.includes(c.tlp)) return false;
  if (RECIPIENT_ONLY.includes(c.tlp) && (!c.encrypted || c.onward)) return false;
  return true;
}

/** The export action the baseline and the default policy allow. */
export function oracleExport(c: OracleCase): ExportAction {
  return oracleFlows(c) ? 'share' : 'withhold';
}

/** The import action the baseline and the default policy allow. */
export function oracleImport(c: OracleCase): ImportAction {
  if (!oracleFlows(c)) return 'reject';
  return c.pseudonymizeAgreed ? 'accept-pseudonymized' : 'accept';
}

/** How much of an indicator goes out (export) or is kept (import): a leak is the engine exceeding the oracle. */
export function exposure(action: ExportAction | ImportAction): number {
  if (action === 'share' || action === 'accept') return 2;
  if (action === 'share-stripped' || action === 'accept-pseudonymized') return 1;
  return 0;
}
