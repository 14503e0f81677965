import { v7 } from 'uuid';
import type { IndicatorType } from './indicator.types';

/** The fields that decide whether two indicators are the same value (see naturalKey). */
export interface NaturalKeyParts {
  /** Indicator type. */
  type: IndicatorType;
  /** The normalized value (normalizeValue output): naturalKey does not normalize. */
  value: string;
  /** Platform slug; part of the identity of a username only. */
  platform?: string;
  /** Chain; part of the identity of a crypto-wallet only. */
  chain?: string;
}

/**
 * Identity of a value across nodes: "<type>:<qualifier>:<value>", where the qualifier is the
 * platform of a username, the chain of a crypto-wallet and empty otherwise ("phone::+31612345678",
 * "username:telegram:anna"). Neither type nor qualifier can contain ":", so the key is unambiguous.
 */
export function naturalKey(parts: NaturalKeyParts): string {
  const qualifier =
    parts.type === 'username' ? (parts.platform ?? '') : parts.type === 'crypto-wallet' ? (parts.chain ?? '') : '';
  return `${parts.type}:${qualifier}:${parts.value}`;
}

/** A fresh indicator id: uuid v7 (time-ordered, lower-case), minted once by the origin node. */
export function newIndicatorId(): string {
  return v7();
}
