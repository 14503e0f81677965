/** HTTP status per domain error code; codes not listed map by suffix, then to 400. */
const STATUS: Record<string, number> = {
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  AUTH_FORBIDDEN: 403,
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  NATS_UNAVAILABLE: 503,
  ROUTE_NOT_FOUND: 404,
  BUNDLE_BYTES_NOT_KEPT: 410,
  AGREEMENT_FOUR_EYES: 403,
  POLICY_INVALID: 422,
  AGREEMENT_CHANGED: 409,
  POLICY_NOT_LOADED: 503,
  INDICATOR_REVOKED: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STIX_TOO_LARGE: 413,
  STIX_OBJECT_TOO_LARGE: 413,
  IMPORT_BODY_IDLE: 408,
  RESYNC_UNREACHABLE: 504,
  RESYNC_REFUSED: 502,
  RESYNC_ANSWER_MALFORMED: 502,
  LOG_HASH_UNKNOWN: 404,
  LOG_NOT_COVERED: 404,
  LOG_EMPTY: 409,
  LOG_PROOF_UNAVAILABLE: 503,
  KEY_IS_ACTIVE: 409,
  KEY_ALREADY_REVOKED: 409,
  KEY_PRIVATE_NOT_KEPT: 409,
  // A tree size the log has not reached is a proof that does not exist (yet), like LOG_NOT_COVERED.
  LOG_SIZE_BEYOND_TREE: 404,
  // A partner's answer that is not a proof: the upstream is at fault, not the caller.
  LOG_PROOF_ANSWER_INVALID: 502,
  // Only the node's own rebuild makes resync requests over HTTP, from what the publisher answered.
  RESYNC_MALFORMED: 502,
  // A well-formed key that cannot be pinned: restricted bundles could not be encrypted to it.
  PARTNER_KEY_CANNOT_ENCRYPT: 422,
  LOOKUP_RATE_LIMITED: 429,
  LOOKUP_NO_PARTNERS: 422,
  LOOKUP_ROTATION_IN_PROGRESS: 409,
  // Sightings and disputes as feedback: a dispute of an own indicator is not a dispute; one that
  // cannot reach the origin is refused, not stored (no agreement, origin not pinned, or the indicator
  // came through a relay and not from its origin); a dispute is resolved once, by the origin.
  DISPUTE_OWN_INDICATOR: 422,
  FEEDBACK_NOT_AGREED: 409,
  FEEDBACK_ORIGIN_NOT_PARTNER: 409,
  FEEDBACK_NOT_FROM_ORIGIN: 409,
  DISPUTE_ALREADY_RESOLVED: 409,
  DISPUTE_NOT_INCOMING: 409,
  // Disclosures (issue 5 item 5).
  DISCLOSURE_HIT_UNKNOWN: 404,
  DISCLOSURE_ALREADY_REQUESTED: 409,
  DISCLOSURE_ALREADY_DECIDED: 409,
  DISCLOSURE_AGREEMENT_NOT_ACTIVE: 422,
  DISCLOSURE_PURPOSE_NOT_AGREED: 422,
  DISCLOSURE_NOT_ORIGIN: 422,
  DISCLOSURE_POLICY_FORBIDS: 422,
  DISCLOSURE_INDICATOR_REVOKED: 409,
  DISCLOSURE_INDICATOR_EXPIRED: 409,
  DISCLOSURE_INDICATOR_GONE: 409,
  DISCLOSURE_RELEASE_FAILED: 500,
  // Races an approval can lose (review 8): the indicator, the policy or the agreement changed while
  // the release was prepared; approving again decides anew.
  DISCLOSURE_INDICATOR_CHANGED: 409,
  DISCLOSURE_POLICY_CHANGED: 409,
  DISCLOSURE_AGREEMENT_CHANGED: 409,
};

/** Maps a stable domain error code to the HTTP status the API answers with. */
export function statusForCode(code: string): number {
  if (STATUS[code]) return STATUS[code];
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.endsWith('_CONFLICT') || code.endsWith('_EXISTS')) return 409;
  return 400;
}
