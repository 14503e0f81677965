import { policyToJson } from './cedar.wasm';

type Var = 'principal' | 'resource' | 'context';
/** Attribute names a policy set reads from each variable; `all` when it uses the variable as a whole. */
export type PolicyReads = Record<Var, Set<string> | 'all'>;

const VARS: readonly string[] = ['principal', 'resource', 'context'];

/**
 * Which attributes of principal, resource and context `policies` can possibly read. A fact no
 * policy reads cannot change a decision, so it stays out of the equivalence-class key: an
 * indicator's confidence or age only splits classes when some policy looks at it.
 * Unparseable input reads everything (the safe answer).
 */
export function policyReads(policies: readonly string[]): PolicyReads {
  const reads: PolicyReads = { principal: new Set(), resource: new Set(), context: new Set() };
  for (const text of policies) {
    const json = policyToJson(text);
    if (json.type === 'failure') return { principal: 'all', resource: 'all', context: 'all' };
    for (const clause of json.json.conditions) walk(clause.body, reads);
  }
  return reads;
}

/** Keeps only the attributes of `attrs` that are read (all of them for `all`). */
export function readOnly(attrs: Record<string, unknown>, read: Set<string> | 'all'): Record<string, unknown> {
  if (read === 'all') return attrs;
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(attrs)) if (read.has(name)) kept[name] = attrs[name];
  return kept;
}

// Expressions are JSON trees; `x.attr` and `x has attr` on a variable read one attribute, `x is T`
// reads its type; any other appearance of the variable (`context == {...}`, `principal == E`) reads all.
function walk(node: unknown, reads: PolicyReads): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, reads);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const access = attributeAccess(node as Record<string, unknown>);
  if (access) {
    const current = reads[access.variable];
    if (current !== 'all') current.add(access.attr);
    return;
  }
  const typeTest = (node as { is?: { left?: { Var?: unknown }; in?: unknown } }).is;
  if (typeTest && typeof typeTest.left?.Var === 'string') {
    // `principal is Palermo::Community` reads the entity type, which the key holds with the id.
    walk(typeTest.in, reads);
    return;
  }
  const variable = (node as { Var?: unknown }).Var;
  if (typeof variable === 'string' && VARS.includes(variable)) {
    reads[variable as Var] = 'all';
    return;
  }
  if ('Value' in node) {
    // An entity literal reads that entity's attributes without naming the variable
    // (`Palermo::Indicator::"indicator".confidence`): key on all of the variable it stands for.
    for (const type of entityTypes((node as { Value: unknown }).Value)) {
      const variable = ENTITY_VARIABLE[type];
      if (variable) reads[variable] = 'all';
    }
    return;
  }
  for (const child of Object.values(node)) walk(child, reads);
}

// Entity ids are constant per kind of request, so a literal of these types is the request's own entity.
const ENTITY_VARIABLE: Record<string, Var> = {
  'Palermo::Indicator': 'resource',
  'Palermo::IndicatorKind': 'resource',
  'Palermo::Partner': 'principal',
  'Palermo::Community': 'principal',
};

/** The entity types referenced anywhere inside a literal value (sets and records included). */
function entityTypes(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) entityTypes(v, found);
  else if (value !== null && typeof value === 'object') {
    const entity = (value as { __entity?: { type?: unknown } }).__entity;
    if (entity && typeof entity.type === 'string') found.push(entity.type);
    for (const v of Object.values(value)) entityTypes(v, found);
  }
  return found;
}

function attributeAccess(node: Record<string, unknown>): { variable: Var; attr: string } | undefined {
  const op = (node['.'] ?? node['has']) as { left?: { Var?: unknown }; attr?: unknown } | undefined;
  const variable = op?.left?.Var;
  if (typeof variable !== 'string' || !VARS.includes(variable)) return undefined;
  const attr = Array.isArray(op!.attr) ? op!.attr[0] : op!.attr;
  return typeof attr === 'string' ? { variable: variable as Var, attr } : undefined;
}
