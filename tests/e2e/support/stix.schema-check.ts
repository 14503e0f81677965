// Checks STIX objects against the official STIX 2.1 JSON schemas (draft 2020-12, every $ref resolved
// locally). Kept small until the stix helper's vendored schemas and validator are merged (the lead
// reconciles): it reads tests/fixtures/stix2.1-json-schemas when present, else the steering copy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const CANDIDATES = [resolve(__dirname, '../../fixtures/stix2.1-json-schemas/schemas'), resolve(__dirname, '../../../../../shared/data/stix2.1-json-schemas/schemas'), '/work/shared/data/stix2.1-json-schemas/schemas'];
const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';
const BY_TYPE: Record<string, string> = {
  indicator: 'sdos/indicator.json',
  identity: 'sdos/identity.json',
  sighting: 'sros/sighting.json',
  'marking-definition': 'common/marking-definition.json',
  bundle: 'common/bundle.json',
};

let validators: Map<string, ValidateFunction> | undefined;

function load(): Map<string, ValidateFunction> {
  const dir = CANDIDATES.find((d) => existsSync(join(d, 'sdos/indicator.json')));
  if (!dir) throw new Error(`no STIX 2.1 schemas in ${CANDIDATES.join(' or ')}`);
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  for (const folder of ['common', 'sdos', 'sros', 'observables']) {
    for (const file of readdirSync(join(dir, folder)).filter((f) => f.endsWith('.json'))) {
      ajv.addSchema(JSON.parse(readFileSync(join(dir, folder, file), 'utf8')) as object);
    }
  }
  return new Map(Object.entries(BY_TYPE).map(([type, path]) => [type, ajv.getSchema(BASE + path)!]));
}

/** Problems of one STIX object against its official schema ([] when valid); unknown types are a problem. */
export function stixSchemaProblems(object: { type?: unknown; id?: unknown }): string[] {
  validators ??= load();
  const validate = validators.get(String(object.type));
  if (!validate) return [`${String(object.id)}: no schema for type ${String(object.type)}`];
  const id = String(object.id);
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => `${id} ${e.instancePath || '/'} ${e.message ?? ''}`);
}
