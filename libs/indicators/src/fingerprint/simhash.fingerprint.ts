import { sha256 } from '@noble/hashes/sha2';
import { DomainError } from '../domain-error';
import { adTextTokens } from './ad-text.tokenizer';

/**
 * Words per shingle. Two-word phrases keep local word order; with three, one changed word touches
 * three shingles instead of two and near-duplicate ads of 30 words drift further apart (measured while
 * choosing: one changed word, 99th percentile 12 bits with two, 15 with three), while unrelated texts
 * stay about 32 bits apart either way.
 */
export const SHINGLE_WORDS = 2;
/** Longest text textFingerprint reads (UTF-16 code units): an ad, not a book; keeps the work bounded. */
export const MAX_FINGERPRINT_TEXT_LENGTH = 1_000_000;

const encoder = new TextEncoder();

/**
 * SimHash-64 fingerprint of an ad text, as a normalized text-fingerprint value `simhash64:<16 hex>`.
 * Deterministic and documented (libs/indicators/README.md), so two nodes fingerprint the same ad alike:
 * the text is folded and split into words (adTextTokens), the words are cut into overlapping
 * two-word shingles (a one-word text is one shingle), each distinct shingle is hashed to 64 bits
 * (the first 8 bytes of SHA-256 of its words joined by one space, big-endian) and votes with its count
 * on every bit (+count when the bit is set, −count when not); a bit of the fingerprint is 1 when its
 * vote is positive. Near-duplicate ads (a word changed, numbers changed) end up a few bits apart
 * (hammingDistance); unrelated texts about 32.
 * Throws DomainError TEXT_FINGERPRINT_NO_WORDS for a text without a single word, TEXT_TOO_LONG past
 * MAX_FINGERPRINT_TEXT_LENGTH.
 */
export function textFingerprint(text: string): string {
  if (typeof text !== 'string') throw new DomainError('TEXT_NOT_A_STRING', `the text must be a string, got ${typeof text}`);
  if (text.length > MAX_FINGERPRINT_TEXT_LENGTH) {
    throw new DomainError('TEXT_TOO_LONG', `the text is ${text.length} characters long; the limit is ${MAX_FINGERPRINT_TEXT_LENGTH}`);
  }
  const tokens = adTextTokens(text);
  if (tokens.length === 0) throw new DomainError('TEXT_FINGERPRINT_NO_WORDS', 'the text has no words to fingerprint');
  const votes = new Array<number>(64).fill(0);
  for (const [shingle, count] of shingleCounts(tokens)) {
    const digest = sha256(encoder.encode(shingle));
    for (let bit = 0; bit < 64; bit++) {
      // bit 0 is the most significant bit of the first byte: the hex reads left to right.
      const set = (digest[bit >> 3] >> (7 - (bit & 7))) & 1;
      votes[bit] += set ? count : -count;
    }
  }
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let i = 0; i < 4; i++) value = (value << 1) | (votes[nibble * 4 + i] > 0 ? 1 : 0);
    hex += value.toString(16);
  }
  return `simhash64:${hex}`;
}

/** Each distinct shingle (words joined by one space) with the number of times it occurs. */
export function shingleCounts(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const last = Math.max(tokens.length - SHINGLE_WORDS, 0);
  for (let i = 0; i <= last; i++) {
    const shingle = tokens.slice(i, i + SHINGLE_WORDS).join(' ');
    counts.set(shingle, (counts.get(shingle) ?? 0) + 1);
  }
  return counts;
}
