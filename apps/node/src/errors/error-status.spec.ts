import { describe, expect, it } from 'vitest';
import { statusForCode } from './error-status';

// The statuses of the trust-and-integrity codes (issue 4): a missing proof is 404 like a missing
// resource, a partner's fault is 502, an unusable key is 422, and the suffix rules still apply.
describe('statusForCode', () => {
  it.each([
    ['LOG_HASH_UNKNOWN', 404],
    ['LOG_NOT_COVERED', 404],
    ['LOG_SIZE_BEYOND_TREE', 404],
    ['LOG_PROOF_REQUEST_MALFORMED', 400],
    ['LOG_PROOF_UNAVAILABLE', 503],
    ['LOG_PROOF_ANSWER_INVALID', 502],
    ['LOG_EMPTY', 409],
    ['LOG_STREAM_CONFLICT', 409],
    ['RESYNC_AUDIENCE_INVALID', 400],
    ['RESYNC_MALFORMED', 502],
    ['RESYNC_REFUSED', 502],
    ['RESYNC_ANSWER_MALFORMED', 502],
    ['RESYNC_UNREACHABLE', 504],
    ['KEY_NOT_FOUND', 404],
    ['KEY_IS_ACTIVE', 409],
    ['KEY_REVOCATION_INVALID', 400],
    ['PARTNER_NOT_FOUND', 404],
    ['PARTNER_KEY_CONFLICT', 409],
    ['PARTNER_KEY_CANNOT_ENCRYPT', 422],
  ])('%s → %i', (code, status) => {
    expect(statusForCode(code)).toBe(status);
  });
});
