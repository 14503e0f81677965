// Test-only helpers of libs/store's integration specs (not exported from index.ts).
import { createHash, randomBytes } from 'node:crypto';
import { BUNDLE_SPEC, type Bundle, type BundleEntry } from '@palermo/bundles';
import { DomainError, type WireIndicator } from '@palermo/indicators';
import { createTestDatabase } from '@palermo/testing';
import { v7 as uuidv7 } from 'uuid';
import type { Store } from './store';
import { openStore } from './store.open';
import type { ActorRef, AgreementCommand, AgreementRecord, AgreementStateName, NewAgreement } from './governance.types';
import type { ImportCommit, ImportEntryDecision, IndicatorInput } from './store.types';

/** The two databases every store suite runs against. */
export const BACKENDS = ['postgresql', 'pglite'] as const;
export type Backend = (typeof BACKENDS)[number];

/** An opened store plus how to throw it away (drops the PostgreSQL test database). */
export interface TestStore {
  store: Store;
  /** For PostgreSQL, the URL of the suite's database (to reopen it). */
  url?: string;
  dispose(): Promise<void>;
}

/** Opens a store on a fresh `palermo_test_*` PostgreSQL database or on in-memory PGlite. */
export async function openTestStore(backend: Backend, suite: string): Promise<TestStore> {
  if (backend === 'pglite') {
    const store = await openStore({});
    return { store, dispose: () => store.close() };
  }
  const db = await createTestDatabase(`store_${suite}`);
  try {
    const store = await openStore({ databaseUrl: db.url });
    return {
      store,
      url: db.url,
      dispose: async () => {
        await store.close();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

/** A random node id, so tests sharing one database do not see each other's rows. */
export function nodeId(prefix = 'n'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Lower hex SHA-256 of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Analyst input with sensible defaults. */
export function input(overrides: Partial<IndicatorInput> & Pick<IndicatorInput, 'value'>): IndicatorInput {
  return { type: 'email', tlp: 'green', confidence: 60, tags: ['ht:recruitment'], ...overrides };
}

/** A wire indicator of `origin`, version 1 unless overridden. */
export function wire(origin: string, overrides: Partial<WireIndicator> = {}): WireIndicator {
  return {
    id: uuidv7(),
    origin,
    version: 1,
    type: 'phone',
    value: `+3161${randomBytes(3).readUIntBE(0, 3).toString().padStart(7, '0')}`,
    tlp: 'green',
    confidence: 70,
    tags: ['ht:sexual-exploitation'],
    firstSeen: '2025-01-01T00:00:00.000Z',
    lastSeen: '2025-02-01T00:00:00.000Z',
    validUntil: null,
    modifiedAt: '2025-02-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A bundle of one chain with fake (but well-formed) bytes; the store never re-parses them. */
export function bundleOf(publisher: string, audience: string, seq: number, prev: string | null, entries: BundleEntry[]) {
  const bundle: Bundle = {
    spec: BUNDLE_SPEC,
    id: uuidv7(),
    publisher,
    audience,
    seq,
    prev,
    createdAt: new Date().toISOString(),
    entries,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(bundle));
  return { bundle, bytes, hash: sha256(bytes), signature: new Uint8Array(randomBytes(64)), signer: 'a'.repeat(40) };
}

/** An import commit that accepts every upsert entry of a bundle and applies every revocation. */
export function acceptAll(made: ReturnType<typeof bundleOf>, overrides: Partial<ImportEntryDecision> = {}): ImportCommit {
  const decisions: ImportEntryDecision[] = [];
  const revocations: ImportCommit['revocations'] = [];
  made.bundle.entries.forEach((entry, entryIndex) => {
    if (entry.op === 'revoke') {
      revocations.push({ entryIndex, originId: entry.id, reason: entry.reason });
      return;
    }
    const i = entry.indicator;
    decisions.push({
      entryIndex,
      originNode: i.origin,
      originId: i.id,
      version: i.version,
      action: 'accept',
      reasons: ['import.default-accept'],
      indicator: i,
      ...overrides,
    });
  });
  return { ...made, decisions, revocations, expiresAt: null, policyVersion: null, agreementId: null };
}

/** Two policy officers (token id + name), for four-eyes tests. */
export const OFFICER_A: ActorRef = { tokenId: '0190a000-0000-7000-8000-00000000000a', name: 'officer-a' };
export const OFFICER_B: ActorRef = { tokenId: '0190b000-0000-7000-8000-00000000000b', name: 'officer-b' };

/** Agreement terms with sensible defaults (both directions, every TLP up to amber). */
export function agreementInput(partner: string, overrides: Partial<NewAgreement> = {}): NewAgreement {
  return {
    partner,
    directions: ['export', 'import'],
    types: ['phone', 'email'],
    maxTlp: 'amber',
    purposes: ['investigation'],
    retentionDays: 365,
    validFrom: '2025-01-01T00:00:00.000Z',
    validUntil: null,
    ...overrides,
  };
}

/**
 * The four-eyes rules as @palermo/policy's nextAgreementState states them, restated here so the
 * store's tests do not depend on the policy lib (the store only runs the callback it is given).
 */
export function fourEyes(command: AgreementCommand, by: ActorRef) {
  return (current: AgreementRecord): AgreementStateName => {
    const conflict = () => new DomainError('AGREEMENT_STATE_CONFLICT', `cannot ${command} a ${current.state} agreement`);
    switch (command) {
      case 'approve':
        if (current.state !== 'draft') throw conflict();
        if (current.createdBy.tokenId === by.tokenId) throw new DomainError('AGREEMENT_FOUR_EYES', 'the creator cannot approve');
        return 'active';
      case 'suspend':
        if (current.state !== 'active') throw conflict();
        return 'suspended';
      case 'resume':
        if (current.state !== 'suspended') throw conflict();
        if (current.suspendedBy?.tokenId === by.tokenId) throw new DomainError('AGREEMENT_FOUR_EYES', 'the suspender cannot resume');
        return 'active';
      case 'terminate':
        if (!['draft', 'active', 'suspended'].includes(current.state)) throw conflict();
        return 'terminated';
    }
  };
}

/** Creates (officer A) and approves (officer B) an agreement with `partner`; returns it active. */
export async function activeAgreement(store: Store, partner: string, overrides: Partial<NewAgreement> = {}): Promise<AgreementRecord> {
  const draft = await store.agreements.create(agreementInput(partner, overrides), OFFICER_A);
  return store.agreements.transition(draft.id, 'approve', OFFICER_B, null, fourEyes('approve', OFFICER_B));
}
