import { z } from 'zod';
import { DomainError, INDICATOR_TYPES, TLP_LEVELS, tlpRank } from '@palermo/indicators';
import type { ImportAction, ImportDecision, ImportPolicy, ImportPolicyConfig, ImportRequest } from './policy.types';

/** Rule ids of ConfigImportPolicy, as they appear in decision reasons. */
export const IMPORT_RULES = {
  typeNotAllowed: 'import.type-not-allowed',
  confidenceBelowMinimum: 'import.confidence-below-minimum',
  tlpAboveMaximum: 'import.tlp-above-maximum',
  pseudonymizeType: 'import.pseudonymize-type',
  defaultAccept: 'import.default-accept',
} as const;

/** The YAML `import:` section; unknown keys are refused so a typo cannot silently relax a rule. */
export const importPolicyConfigSchema = z.strictObject({
  /** Only these types are kept; absent = every type. An empty list keeps nothing. */
  allowedTypes: z.array(z.enum(INDICATOR_TYPES)).optional(),
  /** Indicators below this confidence (0–100) are rejected. */
  minConfidence: z.int().min(0).max(100).optional(),
  /** Indicators marked above this TLP level are rejected. */
  maxTlp: z.enum(TLP_LEVELS).optional(),
  /** Values of these types are kept only as a keyed HMAC (see pseudonymize). */
  pseudonymizeTypes: z.array(z.enum(INDICATOR_TYPES)).optional(),
}) satisfies z.ZodType<ImportPolicyConfig>;

/**
 * The config-driven import policy. Rejecting rules beat pseudonymization, which beats the default
 * accept; the reasons name every rule that fired (rejecting rules first), so an officer sees all
 * that would have to change for an indicator to be kept.
 */
export class ConfigImportPolicy implements ImportPolicy {
  private readonly config: ImportPolicyConfig;

  /** Validates the config (throws POLICY_CONFIG_INVALID) and keeps it. */
  constructor(config: ImportPolicyConfig) {
    const parsed = importPolicyConfigSchema.safeParse(config);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(import)'}: ${i.message}`).join('; ');
      throw new DomainError('POLICY_CONFIG_INVALID', `invalid import policy: ${detail}`, parsed.error.issues);
    }
    this.config = parsed.data;
  }

  /** One decision per request, in order. */
  decideImport(requests: readonly ImportRequest[]): ImportDecision[] {
    return requests.map((request) => this.decideOne(request));
  }

  private decideOne({ indicator }: ImportRequest): ImportDecision {
    const { allowedTypes, minConfidence, maxTlp, pseudonymizeTypes } = this.config;
    const rejections: string[] = [];
    if (allowedTypes && !allowedTypes.includes(indicator.type)) rejections.push(IMPORT_RULES.typeNotAllowed);
    if (minConfidence !== undefined && indicator.confidence < minConfidence) rejections.push(IMPORT_RULES.confidenceBelowMinimum);
    if (maxTlp !== undefined && tlpRank(indicator.tlp) > tlpRank(maxTlp)) rejections.push(IMPORT_RULES.tlpAboveMaximum);
    const pseudonymize = pseudonymizeTypes?.includes(indicator.type) ? [IMPORT_RULES.pseudonymizeType] : [];
    const reasons = [...rejections, ...pseudonymize];
    let action: ImportAction = 'accept';
    if (rejections.length > 0) action = 'reject';
    else if (pseudonymize.length > 0) action = 'accept-pseudonymized';
    return { action, reasons: reasons.length > 0 ? reasons : [IMPORT_RULES.defaultAccept] };
  }
}
