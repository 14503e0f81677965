import { createHash } from 'node:crypto';
import { INDICATOR_TYPES, TLP_LEVELS, type IndicatorType, type Tlp } from '@palermo/indicators';

// The adversarial matrix of tests/e2e/adversarial-matrix.spec.ts: agreement cases, indicator values
// of every type, and an oracle written from the rules, independent of libs/policy.

export const TYPES: readonly IndicatorType[] = INDICATOR_TYPES;
export const TLPS: readonly Tlp[] = TLP_LEVELS;

/** Agreement states a case sets up; `none` = no agreement at all. */
export type CaseState = 'none' | 'draft' | 'active' | 'suspended' | 'expired' | 'not-yet-valid' | 'terminated';

export interface CaseTerms {
  directions: ('export' | 'import')[];
  types: IndicatorType[];
  maxTlp: Tlp;
  pseudonymize: IndicatorType[];
}

/** One partner's agreement: its state and terms. */
export interface AgreementCase {
  partner: string;
  state: CaseState;
  terms: CaseTerms;
}

export const OPEN: CaseTerms = { directions: ['export', 'import'], types: [...TYPES], maxTlp: 'amber', pseudonymize: [] };

const states: CaseState[] = ['none', 'draft', 'active', 'suspended', 'expired', 'not-yet-valid', 'terminated'];

/** nl-police's agreements with partners that only exist as pinned keys: what goes on their subjects. */
export const EXPORT_CASES: AgreementCase[] = [
  ...states.map((state) => ({ partner: `x-${state}`, state, terms: OPEN })),
  { partner: 'x-narrow', state: 'active', terms: { ...OPEN, types: ['email', 'phone', 'keyword'], maxTlp: 'green' } },
  { partner: 'x-import-only', state: 'active', terms: { ...OPEN, directions: ['import'] } },
];

/** Real importing nodes, each with its own agreement with nl-police in one case. */
export const IMPORT_CASES: AgreementCase[] = [
  ...states.filter((s) => s !== 'not-yet-valid').map((state) => ({ partner: `i-${state}`, state, terms: OPEN })),
  { partner: 'i-narrow', state: 'active', terms: { ...OPEN, types: ['email', 'url', 'domain', 'keyword'], maxTlp: 'green', pseudonymize: ['email'] } },
  { partner: 'i-export-only', state: 'active', terms: { ...OPEN, directions: ['export'] } },
];

const rank = (tlp: Tlp) => TLPS.indexOf(tlp);

/**
 * The oracle: an indicator of (type, tlp) flows in `direction` under this agreement only if it is
 * in effect (approved, not suspended, terminated, expired or not yet valid), covers the direction
 * and the type, the TLP is at most the agreement's, and it is neither AMBER+STRICT nor RED (the
 * cases' agreements stop at AMBER; encrypted RED is tests/e2e/encryption.spec.ts).
 */
export function flows(c: AgreementCase | null, direction: 'export' | 'import', type: IndicatorType, tlp: Tlp): boolean {
  if (!c || c.state !== 'active') return false;
  const t = c.terms;
  return t.directions.includes(direction) && t.types.includes(type) && rank(tlp) <= rank(t.maxTlp) && rank(tlp) < rank('amber+strict');
}

/** The community chain carries TLP:CLEAR only, to everyone, agreement or not. */
export const onCommunityChain = (tlp: Tlp) => tlp === 'clear';

/** How an importer must keep an allowed indicator. */
export const keptAs = (c: AgreementCase, type: IndicatorType): 'value' | 'pseudonym' => (c.terms.pseudonymize.includes(type) ? 'pseudonym' : 'value');

/** A normalized value of `type`, distinct per (prefix, n), with the extra field its type needs. */
export function sample(type: IndicatorType, prefix: 'pub' | 'inj', n: number): { value: string; platform?: string; chain?: string } {
  const p = prefix === 'pub' ? 1 : 2;
  const hex = (len: number) => createHash('sha256').update(`${prefix}-${type}-${n}`).digest('hex').slice(0, len);
  switch (type) {
    case 'phone':
      return { value: `+3161${p}${String(n).padStart(6, '0')}` };
    case 'email':
      return { value: `${prefix}-${n}@matrix.example` };
    case 'username':
      return { value: `${prefix}_${n}`, platform: 'telegram' };
    case 'url':
      return { value: `https://matrix.example/${prefix}/${n}` };
    case 'domain':
      return { value: `${prefix}-${n}.matrix.example` };
    case 'ip':
      return { value: `198.51.${100 + p}.${n + 1}` };
    case 'crypto-wallet':
      return { value: `0x${hex(40)}`, chain: 'eth' };
    case 'iban':
      return { value: iban(`ABNA${p}${String(n).padStart(9, '0')}`) };
    case 'keyword':
      return { value: `${prefix} matrix ${n}` };
    case 'text-fingerprint':
      return { value: `simhash64:${hex(16)}` };
    case 'image-hash':
      return { value: `pdq:${hex(64)}` };
    case 'file-sha256':
      return { value: hex(64) };
  }
}

/** A Dutch IBAN for a BBAN, with its ISO 7064 mod 97-10 check digits. */
function iban(bban: string): string {
  const digits = `${bban}NL00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const check = 98n - (BigInt(digits) % 97n);
  return `NL${String(check).padStart(2, '0')}${bban}`;
}

/** Every (type, tlp) once, in a fixed order. */
export function grid(): { type: IndicatorType; tlp: Tlp; n: number }[] {
  return TYPES.flatMap((type, i) => TLPS.map((tlp, j) => ({ type, tlp, n: i * TLPS.length + j })));
}

/** Counts of one side of the matrix. */
export class Tally {
  cases = 0;
  allowed = 0;
  readonly leaks: string[] = [];
  readonly missing: string[] = [];

  /**
   * Records one case. `present`: the partner holds it (or it is on the partner's subject);
   * `tooRevealing`: held in clear where only a pseudonym may be; `tooLittle`: held as a pseudonym where the value may be.
   */
  check(label: string, allowed: boolean, present: boolean, form: { tooRevealing?: boolean; tooLittle?: boolean } = {}): void {
    this.cases++;
    if (allowed) this.allowed++;
    if (present && (!allowed || form.tooRevealing)) this.leaks.push(label);
    if (allowed && (!present || form.tooLittle)) this.missing.push(label);
  }

  line(name: string): string {
    return `[matrix ${name}] cases ${this.cases}, expected allowed ${this.allowed}, leaks ${this.leaks.length}, missing ${this.missing.length}`;
  }
}
