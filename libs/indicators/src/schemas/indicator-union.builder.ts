import { z } from 'zod';
import { CRYPTO_CHAINS, INDICATOR_TYPES, type CryptoChain, type IndicatorType } from '../indicator.types';

/** The parts that differ between the analyst-input and the wire form of an indicator. */
export interface IndicatorUnionKit {
  /** Fields every type carries (tlp, confidence, tags, timestamps, …), appended after type/value. */
  common: z.core.$ZodLooseShape;
  /** Schema of `value` for one type (and chain, for crypto-wallet). */
  value: (type: IndicatorType, chain?: CryptoChain) => z.ZodType;
  /** Schema of `platform` (username only). */
  platform: z.ZodType;
  /** Cross-field checks run on each member once its fields are valid. */
  refine?: (item: never, ctx: z.RefinementCtx) => void;
  /** Title prefix for the JSON Schema of each member, e.g. "IndicatorInput". */
  title: string;
}

type Discriminable = z.core.$ZodTypeDiscriminable;

/**
 * One strict object per indicator type, in a union discriminated on `type`. crypto-wallet is itself
 * a union discriminated on `chain`, so every chain validates its own address format at field level
 * and all field errors of an item are reported together. `platform` exists on username only and
 * `chain` on crypto-wallet only: anywhere else they are unknown fields.
 */
export function buildIndicatorUnion(kit: IndicatorUnionKit): z.ZodType {
  const member = (type: IndicatorType, shape: z.core.$ZodLooseShape, title: string): Discriminable => {
    const object = z.strictObject({ type: z.literal(type), ...shape, ...kit.common });
    const refined = kit.refine ? object.superRefine(kit.refine as (item: unknown, ctx: z.RefinementCtx) => void) : object;
    return refined.meta({ title: `${kit.title}.${title}` });
  };
  const members = INDICATOR_TYPES.map((type): Discriminable => {
    if (type === 'crypto-wallet') {
      const byChain = CRYPTO_CHAINS.map((chain) =>
        member(type, { chain: z.literal(chain), value: kit.value(type, chain) }, `${type}.${chain}`),
      );
      return z.discriminatedUnion('chain', byChain as [Discriminable, ...Discriminable[]]);
    }
    const platform = type === 'username' ? { platform: kit.platform } : {};
    return member(type, { value: kit.value(type), ...platform }, type);
  });
  return z.discriminatedUnion('type', members as [Discriminable, ...Discriminable[]]);
}
