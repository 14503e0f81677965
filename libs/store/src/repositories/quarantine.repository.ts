import { createHash } from 'node:crypto';
import { decodeCursor, toPage } from '../cursor.helper';
import { QuarantineEntity } from '../entities/quarantine.entity';
import { bytesParam, checkLimit, query, toBytes, toIso, toIsoOrNull, toNumberOrNull } from '../sql.helper';
import { storableText, storableTextOrNull } from '../storable.helper';
import type { Page, QuarantineInput, QuarantineRecord, QuarantineSummary } from '../store.types';
import { appendAudit } from './audit.repository';
import { insertOutgoingReceipt } from './receipt.repository';
import { Repository } from './repository.base';

const ADD_SQL = `
  insert into quarantine (publisher, audience, subject, stream_seq, payload, payload_sha256, headers, code, message)
  values (?, ?, ?, ?, ?, ?, ?::text::jsonb, ?, ?)
  on conflict (payload_sha256, code) do nothing
  returning id::text as id`;

const EXISTING_SQL = `select id::text as id from quarantine where payload_sha256 = ? and code = ?`;

// The payload can be up to a NATS max_payload; a listing shows its size, `get` returns it.
const LIST_SQL = `
  select id::text as id, publisher, audience, subject, stream_seq, payload_sha256, octet_length(payload) as payload_size,
         headers, code, message, received_at, payload_cleared_at
  from quarantine where id < ? order by id desc limit ?`;

interface SummaryRow {
  id: string;
  publisher: string | null;
  audience: string | null;
  subject: string;
  stream_seq: number | string | null;
  payload_sha256: string;
  payload_size: number;
  headers: Record<string, string>;
  code: string;
  message: string;
  received_at: Date | string;
  payload_cleared_at: Date | string | null;
}

const MAX_HEADERS = 32;

// A hostile message's reason and headers are made storable (storableText): a quarantine insert that
// fails would redeliver the message forever and stall its chain. The payload is bytea, kept byte for byte.
function storableHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers).slice(0, MAX_HEADERS)) kept[storableText(key, 256)] = storableText(String(value), 1024);
  return kept;
}

/** Feed messages that failed verification, kept with their reason. */
export class QuarantineRepository extends Repository {
  /**
   * Quarantines a message. The same payload failing with the same code again (a redelivery) is
   * recorded once: the second call returns the first id with `duplicate: true`.
   */
  async add(input: QuarantineInput): Promise<{ id: string; duplicate: boolean }> {
    const sha256 = createHash('sha256').update(input.payload).digest('hex');
    const row = {
      publisher: storableTextOrNull(input.publisher, 256),
      audience: storableTextOrNull(input.audience, 256),
      subject: storableText(input.subject, 1024),
      code: storableText(input.code, 128),
      message: storableText(input.message, 4096),
    };
    // The record and its audit entry commit together; a redelivery (duplicate) audits nothing.
    const inserted = await this.transaction(async (em) => {
      const rows = await query<{ id: string }>(em, ADD_SQL, [
        row.publisher,
        row.audience,
        row.subject,
        input.streamSeq ?? null,
        bytesParam(input.payload),
        sha256,
        JSON.stringify(storableHeaders(input.headers)),
        row.code,
        row.message,
      ]);
      if (rows[0]) {
        const details = { ...row, streamSeq: input.streamSeq ?? null, payloadSha256: sha256, payloadSize: input.payload.byteLength };
        const receiptAudit = input.receipt ? await insertOutgoingReceipt(em, input.receipt) : null;
        const audit = { actor: null, action: input.auditAction ?? 'bundle.quarantined', subjectType: 'quarantine', subjectId: rows[0].id, details };
        await appendAudit(em, receiptAudit ? [audit, receiptAudit] : [audit]);
      }
      return rows;
    });
    if (inserted[0]) return { id: inserted[0].id, duplicate: false };
    const em = this.fork();
    const existing = await query<{ id: string }>(em, EXISTING_SQL, [sha256, storableText(input.code, 128)]);
    if (!existing[0]) throw new Error('quarantine row vanished between insert and select');
    return { id: existing[0].id, duplicate: true };
  }

  /** Quarantined messages newest first, without payloads, keyset-paginated. */
  async list(filter: { cursor?: string; limit: number }): Promise<Page<QuarantineSummary>> {
    const limit = checkLimit(filter.limit);
    const before = filter.cursor === undefined ? '9223372036854775807' : decodeCursor(filter.cursor);
    const rows = await query<SummaryRow>(this.fork(), LIST_SQL, [before, limit + 1]);
    return toPage(rows, limit, (row) => row.id, toSummary);
  }

  /** One quarantined message with its payload, or null. */
  async get(id: string): Promise<QuarantineRecord | null> {
    if (!/^[0-9]{1,19}$/.test(id)) return null;
    const row = await this.fork().findOne(QuarantineEntity, { id }, { populate: ['payload'] });
    if (!row) return null;
    return {
      id: row.id,
      publisher: row.publisher,
      audience: row.audience,
      subject: row.subject,
      streamSeq: row.streamSeq,
      payloadSha256: row.payloadSha256,
      payloadSize: row.payload.byteLength,
      headers: row.headers,
      code: row.code,
      message: row.message,
      receivedAt: row.receivedAt.toISOString(),
      payloadClearedAt: row.payloadClearedAt ? row.payloadClearedAt.toISOString() : null,
      payload: toBytes(row.payload),
    };
  }
}

function toSummary(row: SummaryRow): QuarantineSummary {
  return {
    id: row.id,
    publisher: row.publisher,
    audience: row.audience,
    subject: row.subject,
    streamSeq: toNumberOrNull(row.stream_seq),
    payloadSha256: row.payload_sha256,
    payloadSize: Number(row.payload_size),
    headers: row.headers,
    code: row.code,
    message: row.message,
    receivedAt: toIso(row.received_at),
    payloadClearedAt: toIsoOrNull(row.payload_cleared_at),
  };
}
