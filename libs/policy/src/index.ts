export * from './agreement.types';
export { allowsOnwardFrom, effectiveAgreementState, nextAgreementState } from './agreement.rules';
export { agreementInputSchema, MAX_AGREEMENT_NOTE_LENGTH, MAX_RETENTION_DAYS, type AgreementInput } from './agreement-input.schema';
export * from './policy.types';
export { POLICY_SCHEMA_TEXT } from './cedar/policy.schema';
export { BASELINE_POLICY_TEXT, BASELINE_RULE_IDS } from './cedar/baseline.policy';
export { DEFAULT_POLICY_TEXT } from './cedar/default.policy';
export { checkPolicyText, MAX_POLICY_TEXT_LENGTH, POLICY_ID_PATTERN, RESERVED_ID_PREFIXES } from './cedar/policy-text.check';
export { CedarPolicyEngine, type CedarEngineOptions, type CedarEngineStats } from './cedar/cedar.engine';
/** The SHA-256 a policy version is identified by (the engine's `sha256` of the same text). */
export { sha256Hex as policySha256 } from './cedar/cedar.runtime';
export { DEFAULT_DECISION_CACHE_SIZE } from './cedar/decision.cache';
export { MAX_POLICY_DEPTH } from './cedar/policy-text.depth';
export * from './pseudonym.hmac';
