import type { ImportOutcome } from '@palermo/store';

/** Failures listed in a report (the rest are only counted): a 100k-object file stays a small answer. */
export const MAX_LISTED_FAILURES = 100;
const MAX_REASON = 300;

/** Where an object sat in the file, for the report. */
export interface ObjectPlace {
  index: number;
  id: string | null;
  type: string | null;
}

/** A problem with one object, as the report lists it. */
export interface ImportFailure extends ObjectPlace {
  code: string;
  reason: string;
}

/** Something dropped or changed on the way in (a label that is no tag, a raised TLP, …). */
export interface ImportWarning extends ObjectPlace {
  message: string;
}

/** Counts and failures of one import (the answer of the import endpoints). */
export class ImportReport {
  readonly counts = { created: 0, updated: 0, unchanged: 0, revoked: 0, ignored: 0, failed: 0 };
  readonly ignoredByType: Record<string, number> = {};
  readonly failures: ImportFailure[] = [];
  /** Listed up to MAX_LISTED_FAILURES, like failures. */
  readonly warnings: ImportWarning[] = [];
  warningsTotal = 0;
  /** Objects of another Palermo origin taken as own (adopt=true), per origin node. */
  readonly adoptedFrom: Record<string, number> = {};
  adopted = 0;

  /** Notes something dropped or changed on the way in; the object itself is imported. */
  warn(place: ObjectPlace, message: string): void {
    this.warningsTotal += 1;
    if (this.warnings.length < MAX_LISTED_FAILURES) this.warnings.push({ ...place, message: message.slice(0, MAX_REASON) });
  }

  /** Counts an object that carries no indicator (identity, marking-definition, relationship, …). */
  ignore(type: string): void {
    this.counts.ignored += 1;
    const key = type.slice(0, 64);
    // Bounded: a hostile file cannot grow the report with endless invented types.
    if (key in this.ignoredByType || Object.keys(this.ignoredByType).length < 50) this.ignoredByType[key] = (this.ignoredByType[key] ?? 0) + 1;
  }

  /** Counts a failed object; the first MAX_LISTED_FAILURES are listed. */
  fail(place: ObjectPlace, code: string, reason: string): void {
    this.counts.failed += 1;
    if (this.failures.length < MAX_LISTED_FAILURES) this.failures.push({ ...place, code, reason: reason.slice(0, MAX_REASON) });
  }

  /** Counts what the store did with one object (and, if it was adopted, from which origin). */
  record(place: ObjectPlace, outcome: ImportOutcome, adoptedFrom?: string): void {
    if (outcome.status === 'failed') return this.fail(place, outcome.code, outcome.reason);
    // A MISP deletion of an attribute never imported: already reported as skipped (MISP_DELETED).
    if (outcome.status === 'skipped') return;
    this.counts[outcome.status] += 1;
    if (adoptedFrom === undefined || outcome.status === 'revoked') return;
    this.adopted += 1;
    const key = adoptedFrom.slice(0, 64);
    if (key in this.adoptedFrom || Object.keys(this.adoptedFrom).length < 50) this.adoptedFrom[key] = (this.adoptedFrom[key] ?? 0) + 1;
  }

  /** True when an own indicator was created, changed or revoked (the exporter has work). */
  get changed(): boolean {
    return this.counts.created + this.counts.updated + this.counts.revoked > 0;
  }
}
