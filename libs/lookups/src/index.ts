/** Hit/no-hit lookups: RFC 9497 OPRF (ristretto255-SHA512) and the lookup messages (pure: no Nest, no database, no NATS). */
export * from './lookup.result';
export { LOOKUP_INPUT_TAG, MAX_LOOKUP_INPUT_BYTES, lookupInput } from './lookup.input';
export { decodeElement, ELEMENT_BYTES, SCALAR_BYTES, type ElementProblem, type ElementFailure } from './lookup.element';
export {
  LOOKUP_SUITE,
  PRF_OUTPUT_BYTES,
  KEY_SEED_BYTES,
  LookupServerKey,
  type BlindedLookup,
  generateKey,
  deriveKey,
  serverKeyHex,
  parseServerKey,
  blind,
  evaluate,
  finalize,
  prfOutput,
  decodePrfOutput,
} from './lookup.oprf';
export * from './lookup.statements';
