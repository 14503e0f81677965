import { DomainError, isNodeId } from '@palermo/indicators';
import { toIso } from '../sql.helper';
import type { OutgoingFeedback } from './feedback-outbox.repository';

// How a local sighting is reported to its indicator's origin (issue 5 item 3): the sighting row's
// feedback_* columns, and the status GET shows from them and the outbox row's published_at.

/** A sighting of a partner's indicator: reported to its origin through the outbox, or not, and why. */
export type SightingReport = { outgoing: OutgoingFeedback } | { notSent: { to: string | null; reason: string } };

/** Where a local sighting went: null for own indicators (and sightings recorded before reporting existed). */
export interface SightingFeedbackStatus {
  /** The origin it is (or would have been) reported to. */
  sentTo: string | null;
  /** queued: in the outbox; sent: the origin's feedback stream acknowledged it; not-sent: see reason. */
  state: 'queued' | 'sent' | 'not-sent';
  /** Why it was not sent (a stable code, e.g. FEEDBACK_NOT_AGREED). */
  reason?: string;
  /** When the origin's stream acknowledged it. */
  sentAt?: string;
}

/** The indicator a sighting is recorded against, as far as its report is concerned. */
interface ReportedIndicator {
  origin_node: string;
  own: boolean;
}

/** The sighting row's feedback columns, and the outbox row's published_at for a queued one. */
export interface SightingFeedbackRow {
  feedback_to: string | null;
  feedback_state: 'queued' | 'not-sent' | null;
  feedback_reason: string | null;
  feedback_published_at: Date | string | null;
}

// What the sighting row says about its report; the outgoing message must name this sighting and the
// indicator's origin (a caller's mistake here would send one sighting's count about another).
export function feedbackColumns(report: SightingReport | undefined, indicator: ReportedIndicator, id: string): { to: string | null; state: 'queued' | 'not-sent' | null; reason: string | null } {
  if (report === undefined) return { to: null, state: null, reason: null };
  if ('outgoing' in report) {
    const { outgoing } = report;
    if (outgoing.messageId !== id || outgoing.recipient !== indicator.origin_node || indicator.own) {
      throw new DomainError('SIGHTING_INVALID', 'a reported sighting goes to its indicator\'s origin under the sighting\'s own id');
    }
    return { to: outgoing.recipient, state: 'queued', reason: null };
  }
  const { to, reason } = report.notSent;
  if ((to !== null && !isNodeId(to)) || !/^[A-Z][A-Z0-9_]{0,99}$/.test(reason)) throw new DomainError('SIGHTING_INVALID', 'a not-sent report names a node id (or null) and a code');
  return { to, state: 'not-sent', reason };
}

/** The status GET shows; null when the sighting is not reported (own indicator, or recorded before reporting existed). */
export function toFeedbackStatus(row: SightingFeedbackRow): SightingFeedbackStatus | null {
  if (row.feedback_state === null || row.feedback_state === undefined) return null;
  if (row.feedback_state === 'not-sent') return { sentTo: row.feedback_to, state: 'not-sent', reason: row.feedback_reason ?? 'FEEDBACK_NOT_SENT' };
  return row.feedback_published_at ? { sentTo: row.feedback_to, state: 'sent', sentAt: toIso(row.feedback_published_at) } : { sentTo: row.feedback_to, state: 'queued' };
}
