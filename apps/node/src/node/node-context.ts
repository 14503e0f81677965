import type { NodeConfig } from '../config/node.config';
import type { NodeKeys } from '../keys/node-keys';

/** DI tokens for values made at boot (not classes). */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
export const NODE_KEYS = Symbol('NODE_KEYS');
export const IMPORT_POLICY = Symbol('IMPORT_POLICY');
export const EXPORT_POLICY = Symbol('EXPORT_POLICY');

export type { NodeConfig, NodeKeys };
