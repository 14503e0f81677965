export * from './policy.types';
export * from './import.policy';
export * from './export.policy';
export * from './pseudonym.hmac';
