export * from './domain-error';
export * from './indicator.types';
