import type { NodeConfig } from '../config/node.config';
import type { NodeKeys } from '../keys/node-keys';

/** DI tokens for values made at boot (not classes). */
export const NODE_CONFIG = Symbol('NODE_CONFIG');
export const NODE_KEYS = Symbol('NODE_KEYS');

export type { NodeConfig, NodeKeys };
