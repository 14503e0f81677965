import { Inject, Injectable } from '@nestjs/common';
import { pseudonymize, type ImportPolicy } from '@palermo/policy';
import type { WireIndicator } from '@palermo/indicators';
import type { ImportAction } from '@palermo/policy';
import type { ImportEntryDecision } from '@palermo/store';
import { IMPORT_POLICY, NODE_KEYS, type NodeKeys } from '../node/node-context';
import type { VerifiedBundle } from './bundle.verifier';

/** Step 5: runs this node's import policy on every upsert of a verified bundle. */
@Injectable()
export class ImportDecider {
  constructor(
    @Inject(IMPORT_POLICY) private readonly policy: ImportPolicy,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  decide({ bundle, publisherJurisdiction }: VerifiedBundle): ImportEntryDecision[] {
    const upserts = bundle.entries.flatMap((entry, entryIndex) => (entry.op === 'upsert' ? [{ entryIndex, indicator: entry.indicator }] : []));
    const decisions = this.policy.decideImport(
      upserts.map(({ indicator }) => ({ indicator, publisher: bundle.publisher, publisherJurisdiction, audience: bundle.audience })),
    );
    return upserts.map(({ entryIndex, indicator }, i) => {
      // Until onward sharing exists, a partner may only publish indicators it originated.
      const decision =
        indicator.origin === bundle.publisher
          ? decisions[i]
          : { action: 'reject' as const, reasons: ['import.origin-not-publisher'] };
      return this.shape(entryIndex, indicator, decision.action, decision.reasons);
    });
  }

  private shape(entryIndex: number, indicator: WireIndicator, action: ImportAction, reasons: string[]): ImportEntryDecision {
    const base = { entryIndex, originNode: indicator.origin, originId: indicator.id, version: indicator.version, action, reasons };
    if (action !== 'accept-pseudonymized') return { ...base, indicator, value: action === 'accept' ? indicator.value : undefined };
    // Keep only the keyed HMAC: the value, and free text that may repeat it, stay out of this database.
    const pseudonym = pseudonymize(this.keys.pseudonymSecret, indicator.type, indicator.value);
    const { description: _dropped, ...rest } = indicator;
    return { ...base, indicator: { ...rest, value: '' }, pseudonym };
  }
}
