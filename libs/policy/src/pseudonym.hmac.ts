import { createHmac } from 'node:crypto';
import { DomainError, type IndicatorType } from '@palermo/indicators';

/** Prefix of every pseudonym, naming the construction so it can change later without ambiguity. */
export const PSEUDONYM_PREFIX = 'hmac-sha256:';
/** Shortest accepted secret: 128 bits. Phone numbers and usernames are guessable, so the key is the protection. */
export const MIN_PSEUDONYM_SECRET_BYTES = 16;

/**
 * Keyed pseudonym of an indicator value: `hmac-sha256:` + hex HMAC-SHA256(secret, type + '\0' + value).
 * Deterministic per secret (the same value meets itself locally), unlinkable across secrets.
 * Throws PSEUDONYM_SECRET_TOO_SHORT for a secret under 16 bytes.
 */
export function pseudonymize(secret: Uint8Array, type: IndicatorType, value: string): string {
  if (secret.length < MIN_PSEUDONYM_SECRET_BYTES) {
    throw new DomainError('PSEUDONYM_SECRET_TOO_SHORT', `pseudonymization secret must be at least ${MIN_PSEUDONYM_SECRET_BYTES} bytes, got ${secret.length}`);
  }
  // The NUL separator keeps (type, value) pairs from colliding by concatenation.
  const digest = createHmac('sha256', secret).update(`${type}\0${value}`, 'utf8').digest('hex');
  return PSEUDONYM_PREFIX + digest;
}
