import { isCryptoChain, isIndicatorType, naturalKey, normalizePlatform, normalizeValue, type NaturalKeyParts } from '@palermo/indicators';
import { lookupFailure, type LookupResult } from './lookup.result';

/** Domain-separation prefix of every lookup input; a new version of the encoding gets a new tag. */
export const LOOKUP_INPUT_TAG = 'palermo/lookup@1';
/** RFC 9497 length-prefixes inputs with two bytes: nothing longer can be an OPRF input. */
export const MAX_LOOKUP_INPUT_BYTES = 0xffff;

const encoder = new TextEncoder();

/**
 * The OPRF input of one indicator value: UTF-8 of `palermo/lookup@1` 0x00 `naturalKey(parts)`, i.e.
 * `palermo/lookup@1\0<type>:<qualifier>:<normalized value>` (qualifier = platform of a username, chain
 * of a crypto-wallet, else empty). The type is inside the input, so a phone number and a username with the
 * same text never share a PRF output; the tag keeps these outputs apart from any other use of the key.
 * Both sides (querier blinding, responder building its table) must encode the same way, so this does not
 * normalize: a value that normalization would change is refused (LOOKUP_INPUT_INVALID), because it could
 * never meet the responder's normalized copy and would be a silent miss.
 */
export function lookupInput(parts: NaturalKeyParts): LookupResult<{ input: Uint8Array }> {
  const { type, value } = parts ?? ({} as Partial<NaturalKeyParts>);
  if (!isIndicatorType(type)) return lookupFailure('LOOKUP_INPUT_INVALID', `${JSON.stringify(String(type)).slice(0, 40)} is not an indicator type`);
  if (typeof value !== 'string') return lookupFailure('LOOKUP_INPUT_INVALID', 'value must be a string');
  const qualifier = qualifierProblem(parts);
  if (qualifier) return lookupFailure('LOOKUP_INPUT_INVALID', qualifier);
  const normalized = normalizeValue(type, value, { chain: parts.chain });
  if (!normalized.ok) return lookupFailure('LOOKUP_INPUT_INVALID', `${normalized.code}: ${normalized.message}`);
  if (normalized.value !== value) return lookupFailure('LOOKUP_INPUT_INVALID', `the ${type} value is not normalized; normalize it before the lookup`);
  const input = encoder.encode(`${LOOKUP_INPUT_TAG}\u0000${naturalKey(parts)}`);
  if (input.length > MAX_LOOKUP_INPUT_BYTES) return lookupFailure('LOOKUP_INPUT_INVALID', `the input is ${input.length} bytes, RFC 9497 allows ${MAX_LOOKUP_INPUT_BYTES}`);
  return { ok: true, input };
}

// The qualifier is part of the identity: an unnormalized platform would miss as surely as an unnormalized value.
function qualifierProblem(parts: NaturalKeyParts): string | undefined {
  if (parts.type === 'username' && parts.platform !== undefined) {
    const platform = typeof parts.platform === 'string' ? normalizePlatform(parts.platform) : undefined;
    if (!platform?.ok || platform.value !== parts.platform) return 'platform must be a normalized platform slug';
  }
  if (parts.type === 'crypto-wallet' && !isCryptoChain(parts.chain)) return 'a crypto-wallet lookup needs its chain';
  return undefined;
}
