/** STIX 2.1 and MISP mapping (pure: no Nest, no database, no NATS). */
export * from './stix';
export * from './misp';
