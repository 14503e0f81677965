/**
 * The SQL condition "this agreement is in force for `direction` now": active (not suspended, ended
 * or superseded), covering the direction, inside its validity window by the database's clock. One
 * rule for the exporter's and the importer's checks inside their transactions.
 */
export function inForceFor(direction: 'export' | 'import'): string {
  return `state = 'active' and '${direction}' = any(directions) and valid_from <= now() and (valid_until is null or valid_until > now())`;
}
