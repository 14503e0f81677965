import { z } from 'zod';
import { TLP_LEVELS } from '@palermo/indicators';

const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .meta({ description: 'true or false' });

/** Query string of POST /stix/import. */
export const stixImportQuerySchema = z
  .object({
    /** TLP for objects that carry no marking (default amber). */
    tlp: z.enum(TLP_LEVELS).default('amber').meta({ description: 'TLP for unmarked objects (default amber)' }),
    /** Report what would happen, change nothing. */
    dryRun: flag.default(false),
    /**
     * Take indicators another Palermo node published (x_palermo_origin) as this node's own. Off by
     * default: they must arrive through that node's feed (agreements, revocations, retention).
     */
    adopt: flag.default(false).meta({ description: "true: take indicators of another Palermo origin as own (counted and audited); default false refuses them (STIX_FOREIGN_ORIGIN)" }),
  })
  .strict();
export type StixImportQuery = z.infer<typeof stixImportQuerySchema>;

/** Query string of POST /misp/import. */
export const mispImportQuerySchema = z.object({ dryRun: flag.default(false) }).strict();
export type MispImportQuery = z.infer<typeof mispImportQuerySchema>;

/** Media types POST /stix/import reads (parameters such as version=2.1 or charset=utf-8 allowed). */
export const STIX_MEDIA_TYPES = ['application/json', 'application/stix+json'] as const;
