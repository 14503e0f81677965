// What the store says about partners, keys, tokens and quarantined messages.
import type { OutgoingReceipt } from './receipt.types';

/** A message that failed verification, kept with its reason (never silently dropped). */
export interface QuarantineInput {
  publisher?: string | null;
  audience?: string | null;
  subject: string;
  streamSeq?: number | null;
  payload: Uint8Array;
  headers: Record<string, string>;
  code: string;
  message: string;
  /** The signed receipt telling the publisher, when its publisher and chain are known (outbox, same transaction). */
  receipt?: OutgoingReceipt;
  /** Audit action of the record (default `bundle.quarantined`; refused receipts use `receipt.refused`). */
  auditAction?: string;
}

/** A quarantined message without its payload. */
export interface QuarantineSummary {
  id: string;
  publisher: string | null;
  audience: string | null;
  subject: string;
  streamSeq: number | null;
  payloadSha256: string;
  payloadSize: number;
  headers: Record<string, string>;
  code: string;
  message: string;
  receivedAt: string;
  /** When retention emptied the payload (then payloadSize is 0), else null. */
  payloadClearedAt: string | null;
}

/** A quarantined message with its payload. */
export interface QuarantineRecord extends QuarantineSummary {
  payload: Uint8Array;
}

/** This node's signing key (public half only; the private key stays on disk). */
export interface NodeKeyRecord {
  nodeId: string;
  fingerprint: string;
  armoredPublicKey: string;
  createdAt: string;
}

/** A partner node and its pinned public key. */
export interface PartnerRecord {
  nodeId: string;
  jurisdiction: string;
  fingerprint: string;
  armoredPublicKey: string;
  createdAt: string;
  updatedAt: string;
}

/** An API token without its secret. */
export interface ApiTokenRecord {
  id: string;
  name: string;
  role: string;
  /** The partner node a `partner` token is scoped to; null for every other role. */
  partner: string | null;
  createdAt: string;
  revokedAt: string | null;
}
