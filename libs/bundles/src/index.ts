export * from './bundle.types';
export { BUNDLE_HASH_PATTERN, bundleEnvelopeSchema, revokeReasonSchema } from './bundle.schema';
export * from './bundle.codec';
export * from './bundle.builder';
export * from './bundle.keys';
export * from './bundle.signature';
export * from './bundle.chain';
export * from './partner.card';
