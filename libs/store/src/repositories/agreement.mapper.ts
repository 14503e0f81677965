import type { IndicatorType, Tlp } from '@palermo/indicators';
import type { AgreementEntity } from '../entities/agreement.entity';
import type {
  ActorRef,
  AgreementDirection,
  AgreementPurpose,
  AgreementRecord,
  AgreementStateName,
} from '../governance.types';

/** An agreement row as its public record (dates ISO 8601). */
export function toAgreementRecord(row: AgreementEntity): AgreementRecord {
  return {
    id: row.id,
    partner: row.partner,
    directions: row.directions as AgreementDirection[],
    types: row.types as IndicatorType[],
    maxTlp: row.maxTlp as Tlp,
    purposes: row.purposes as AgreementPurpose[],
    retentionDays: row.retentionDays,
    pseudonymize: row.pseudonymize as IndicatorType[],
    lookups: row.lookups,
    encrypt: row.encrypt,
    onward: row.onward,
    validFrom: row.validFrom.toISOString(),
    validUntil: row.validUntil ? row.validUntil.toISOString() : null,
    state: row.state as AgreementStateName,
    note: row.note,
    createdBy: { tokenId: row.createdByToken, name: row.createdByName },
    createdAt: row.createdAt.toISOString(),
    approvedBy: actor(row.approvedByToken, row.approvedByName),
    approvedAt: row.approvedAt ? row.approvedAt.toISOString() : null,
    suspendedBy: actor(row.suspendedByToken, row.suspendedByName),
    suspendedAt: row.suspendedAt ? row.suspendedAt.toISOString() : null,
    stateReason: row.stateReason,
    updatedAt: row.updatedAt.toISOString(),
    backfillPk: row.backfillPk,
    backfilledAt: row.backfilledAt ? row.backfilledAt.toISOString() : null,
  };
}

/** The terms of an agreement, as an audit entry records them. */
export function toTermsSnapshot(record: AgreementRecord) {
  const { id, partner, directions, types, maxTlp, purposes, retentionDays, pseudonymize, lookups, encrypt, onward, validFrom, validUntil, state } = record;
  return { id, partner, directions, types, maxTlp, purposes, retentionDays, pseudonymize, lookups, encrypt, onward, validFrom, validUntil, state };
}

function actor(tokenId: string | null, name: string | null): ActorRef | null {
  return tokenId === null ? null : { tokenId, name: name ?? '' };
}
