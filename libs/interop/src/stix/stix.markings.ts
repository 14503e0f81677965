import { TLP_LEVELS, tlpRank, type Tlp } from '@palermo/indicators';

/** Extension definition of TLP 2.0 in STIX (oasis-open/cti-stix-common-objects). */
export const TLP_2_0_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/** The official TLP 2.0 marking-definition ids (oasis-open/cti-stix-common-objects, objects/marking-definition). */
export const TLP_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** A TLP 2.0 marking-definition object exactly as OASIS publishes it. */
export interface TlpMarkingDefinition {
  type: 'marking-definition';
  spec_version: '2.1';
  id: string;
  created: '2022-10-01T00:00:00.000Z';
  name: string;
  extensions: Record<string, { extension_type: 'property-extension'; tlp_2_0: Tlp }>;
}

function tlpDefinition(tlp: Tlp): TlpMarkingDefinition {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP_MARKING_IDS[tlp],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${tlp.toUpperCase()}`,
    extensions: { [TLP_2_0_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: tlp } },
  };
}

/** The five official TLP 2.0 marking definitions, by level (copied from OASIS; do not edit). */
export const TLP_MARKING_DEFINITIONS: Readonly<Record<Tlp, TlpMarkingDefinition>> = Object.freeze(
  Object.fromEntries(TLP_LEVELS.map((tlp) => [tlp, Object.freeze(tlpDefinition(tlp))])) as Record<Tlp, TlpMarkingDefinition>,
);

/** The marking-definition id for `tlp` (for `object_marking_refs`). */
export function tlpMarkingRef(tlp: Tlp): string {
  return TLP_MARKING_IDS[tlp];
}

/**
 * The TLP 1.0 marking definitions predefined by STIX 2.0/2.1 (spec §7.2.1.4), read on import:
 * WHITE becomes TLP 2.0 CLEAR, the others keep their name. Palermo never writes them.
 */
export const TLP1_MARKING_IDS: Readonly<Record<'white' | 'green' | 'amber' | 'red', string>> = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
};

const TLP_BY_MARKING_ID: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ...TLP_LEVELS.map((tlp): [string, Tlp] => [TLP_MARKING_IDS[tlp], tlp]),
  [TLP1_MARKING_IDS.white, 'clear'],
  [TLP1_MARKING_IDS.green, 'green'],
  [TLP1_MARKING_IDS.amber, 'amber'],
  [TLP1_MARKING_IDS.red, 'red'],
]);

/** The TLP level a standard (TLP 1.0 or 2.0) marking-definition id stands for, or undefined. */
export function tlpForMarkingRef(ref: string): Tlp | undefined {
  return TLP_BY_MARKING_ID.get(ref.toLowerCase());
}

/** The more restricted of two TLP levels. */
export function stricterTlp(a: Tlp, b: Tlp): Tlp {
  return tlpRank(a) >= tlpRank(b) ? a : b;
}

const TLP_NAMES: Readonly<Record<string, Tlp>> = { white: 'clear', clear: 'clear', green: 'green', amber: 'amber', 'amber+strict': 'amber+strict', red: 'red' };

/**
 * The TLP a marking-definition object declares, however it spells it: the TLP 2.0 extension
 * (`tlp_2_0`), TLP 1.0 (`definition_type: "tlp"`, `definition.tlp`), or OpenCTI's
 * (`definition_type: "TLP"`, `definition: "TLP:AMBER"`). Undefined for anything else (statements, …).
 * For importers that accept markings defined earlier in the same bundle (StixImportOptions.markings).
 */
export function tlpOfMarkingDefinition(object: unknown): Tlp | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const marking = object as Record<string, unknown>;
  if (marking.type !== 'marking-definition') return undefined;
  const extension = (marking.extensions as Record<string, unknown> | undefined)?.[TLP_2_0_EXTENSION_ID] as Record<string, unknown> | undefined;
  const candidates = [
    extension?.tlp_2_0,
    typeof marking.definition_type === 'string' && marking.definition_type.toLowerCase() === 'tlp'
      ? typeof marking.definition === 'string'
        ? marking.definition.replace(/^tlp:/i, '')
        : (marking.definition as Record<string, unknown> | undefined)?.tlp
      : undefined,
  ];
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && Object.prototype.hasOwnProperty.call(TLP_NAMES, candidate.toLowerCase())) return TLP_NAMES[candidate.toLowerCase()];
  }
  return undefined;
}
