// SHIM, to be replaced by @palermo/interop (libs/interop/src/stix, the stix helper's work) at merge:
// readStixObjects and stixObjectToIndicator with the signatures of plan6.md, kept as small as the
// node side's tests need. Pure (no Nest, no database).
import { Transform, type Readable } from 'node:stream';
import { DomainError, type Tlp } from '@palermo/indicators';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser: jsonParser } = require('stream-json') as { parser: (opts?: object) => NodeJS.ReadWriteStream };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Assembler = require('stream-json/Assembler') as new () => { consume(token: Token): void; done: boolean; current: unknown };

interface Token {
  name: string;
  value?: unknown;
}

/** Limits of readStixObjects. */
export interface StixReadLimits {
  maxBytes: number;
  maxDepth: number;
}

/**
 * Each element of the top-level `objects` array of a STIX bundle, as the bytes arrive: the bundle is
 * never held whole. Throws DomainError STIX_TOO_LARGE / STIX_TOO_DEEP / STIX_MALFORMED /
 * STIX_NOT_A_BUNDLE with details.position (bytes read so far).
 */
export async function* readStixObjects(readable: Readable, limits: StixReadLimits): AsyncIterable<unknown> {
  let bytes = 0;
  const fail = (code: string, message: string) => new DomainError(code, `${message} (at byte ${bytes})`, { position: bytes });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) done(fail('STIX_TOO_LARGE', `the STIX file exceeds ${limits.maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  const tokens = jsonParser({ streamValues: false });
  readable.on('error', (err) => counter.destroy(err));
  counter.on('error', (err) => (tokens as unknown as Readable).destroy(err));
  readable.pipe(counter).pipe(tokens);
  let depth = 0;
  let key: string | null = null;
  let inObjects = false;
  let sawObjects = false;
  let type: unknown;
  let asm: InstanceType<typeof Assembler> | null = null;
  try {
    for await (const token of tokens as unknown as AsyncIterable<Token>) {
      if (token.name === 'startObject' || token.name === 'startArray') {
        depth += 1;
        if (depth > limits.maxDepth) throw fail('STIX_TOO_DEEP', `nesting deeper than ${limits.maxDepth} levels`);
        if (depth === 1 && token.name !== 'startObject') throw fail('STIX_NOT_A_BUNDLE', 'the top level is not a STIX bundle object');
        if (depth === 2 && key === 'objects' && token.name === 'startArray') {
          inObjects = true;
          sawObjects = true;
          continue;
        }
      } else if (token.name === 'endObject' || token.name === 'endArray') {
        depth -= 1;
        if (depth === 1 && inObjects && token.name === 'endArray') {
          inObjects = false;
          continue;
        }
      } else if (depth === 0) {
        throw fail('STIX_NOT_A_BUNDLE', 'the top level is not a STIX bundle object');
      }
      if (inObjects) {
        asm ??= new Assembler();
        asm.consume(token);
        if (asm.done) {
          yield asm.current;
          asm = null;
        }
      } else if (depth === 1 && token.name === 'keyValue') {
        key = String(token.value);
      } else if (depth === 1 && key === 'type' && token.name === 'stringValue') {
        type = token.value;
        if (type !== 'bundle') throw fail('STIX_NOT_A_BUNDLE', `the top level has type ${JSON.stringify(String(type).slice(0, 40))}, not "bundle"`);
      }
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw fail('STIX_MALFORMED', `not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  } finally {
    readable.unpipe(counter);
    readable.resume();
  }
  if (type !== 'bundle') throw fail('STIX_NOT_A_BUNDLE', 'the top level has no "type": "bundle"');
  if (!sawObjects) return;
}

/** Official TLP marking-definition ids (TLP 2.0, and TLP 1.0 of STIX 2.0/2.1 mapped to TLP 2.0 names). */
const TLP_BY_MARKING: Record<string, Tlp> = {
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};
const TLP_ORDER: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/** The outcome of mapping one STIX object. */
export type StixMapping =
  | { kind: 'indicator'; stixId: string; modified: string; revoked: boolean; input: Record<string, unknown> }
  | { kind: 'ignored'; stixId: string; stixType: string; reason: string }
  | { kind: 'failed'; stixId: string | null; stixType: string | null; code: string; reason: string };

const PATTERNS: [RegExp, string][] = [
  [/^\[email-addr:value = '((?:[^'\\]|\\.)*)'\]$/, 'email'],
  [/^\[url:value = '((?:[^'\\]|\\.)*)'\]$/, 'url'],
  [/^\[domain-name:value = '((?:[^'\\]|\\.)*)'\]$/, 'domain'],
  [/^\[ipv4-addr:value = '((?:[^'\\]|\\.)*)'\]$/, 'ip'],
  [/^\[ipv6-addr:value = '((?:[^'\\]|\\.)*)'\]$/, 'ip'],
  [/^\[file:hashes\.'SHA-256' = '((?:[^'\\]|\\.)*)'\]$/, 'file-sha256'],
];
const STIX_ID = /^[a-z][a-z0-9-]{0,60}--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Maps one STIX object to an indicator input (raw, for the one indicator schema), or says why not. */
export function stixObjectToIndicator(obj: unknown, opts: { defaultTlp: Tlp }): StixMapping {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return { kind: 'failed', stixId: null, stixType: null, code: 'STIX_INVALID_OBJECT', reason: 'an element of objects is not a JSON object' };
  }
  const o = obj as Record<string, unknown>;
  const stixId = typeof o.id === 'string' && STIX_ID.test(o.id) ? o.id : null;
  const stixType = typeof o.type === 'string' ? o.type.slice(0, 64) : null;
  const failed = (code: string, reason: string): StixMapping => ({ kind: 'failed', stixId, stixType, code, reason });
  if (!stixId || !stixType || !stixId.startsWith(`${stixType}--`)) return failed('STIX_INVALID_OBJECT', 'missing or invalid id/type');
  if (stixType !== 'indicator') return { kind: 'ignored', stixId, stixType, reason: `${stixType} objects carry no indicator` };
  const modified = typeof o.modified === 'string' ? o.modified : null;
  if (!modified || Number.isNaN(Date.parse(modified))) return failed('STIX_INVALID_TIMESTAMP', 'modified is missing or not a timestamp');
  if (o.pattern_type !== 'stix' || typeof o.pattern !== 'string') return failed('STIX_PATTERN_UNSUPPORTED', 'only pattern_type stix is read');
  const match = PATTERNS.map(([re, type]) => [re.exec(o.pattern as string), type] as const).find(([m]) => m);
  if (!match) return failed('STIX_PATTERN_UNSUPPORTED', `pattern not in the supported subset: ${String(o.pattern).slice(0, 80)}`);
  const refs = Array.isArray(o.object_marking_refs) ? o.object_marking_refs : [];
  let tlp: Tlp | null = null;
  for (const ref of refs) {
    const level = typeof ref === 'string' ? TLP_BY_MARKING[ref] : undefined;
    if (!level) return failed('STIX_UNKNOWN_MARKING', `unknown marking ${String(ref).slice(0, 80)}: it may restrict sharing`);
    if (tlp === null || TLP_ORDER.indexOf(level) > TLP_ORDER.indexOf(tlp)) tlp = level;
  }
  const input: Record<string, unknown> = {
    type: match[1],
    value: match[0]![1]!.replace(/\\(.)/g, '$1'),
    tlp: tlp ?? opts.defaultTlp,
  };
  if (o.confidence !== undefined) input.confidence = o.confidence;
  if (Array.isArray(o.labels)) input.tags = o.labels;
  if (typeof o.description === 'string') input.description = o.description;
  if (o.valid_until !== undefined) input.validUntil = o.valid_until;
  return { kind: 'indicator', stixId, modified, revoked: o.revoked === true, input };
}
