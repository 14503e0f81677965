import { Parser } from 'stream-json';
import { DomainError } from '@palermo/indicators';

/** Limits of readStixObjects. */
export interface ReadStixOptions {
  /** Most bytes read; one more is STIX_TOO_LARGE. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects (the bundle itself is depth 1, each object depth 3). */
  maxDepth: number;
  /**
   * Largest single element of `objects` (or bundle property), in bytes of input (default 1 MiB):
   * past it the file fails with STIX_OBJECT_TOO_LARGE before the element is assembled. Counted per
   * slice, so an element up to maxObjectBytes always passes and one is refused at the latest once
   * it passes maxObjectBytes + 2 × SLICE_BYTES.
   */
  maxObjectBytes?: number;
}

/** Largest single STIX object read by default: Palermo values are ≤ 4 KiB and patterns ≤ 16 KiB. */
export const STIX_MAX_OBJECT_BYTES = 1024 * 1024;

/** Defaults the node and CLI use unless configured otherwise. */
export const STIX_READ_DEFAULTS: Readonly<Required<ReadStixOptions>> = { maxBytes: 512 * 1024 * 1024, maxDepth: 32, maxObjectBytes: STIX_MAX_OBJECT_BYTES };

/**
 * Where a problem was noticed: the input is fed to the parser in slices of SLICE_BYTES, and the
 * problem lies in the slice that starts at `byte` (on `line`, 1-based), i.e. within SLICE_BYTES after it.
 * For a truncated file it is the end of the input.
 */
export interface StixReadPosition {
  byte: number;
  line: number;
}

/** How much input the parser gets at a time: the precision of an error position. */
export const SLICE_BYTES = 4096;

interface Token {
  name: string;
  value?: string;
}

type Container = { kind: 'object'; value: Record<string, unknown>; key?: string } | { kind: 'array'; value: unknown[] };

/**
 * Each element of the `objects` array of a STIX bundle, as soon as it is complete, without ever
 * holding the whole input (stream-json underneath). `objects` may come anywhere among the bundle's
 * keys. Throws DomainError STIX_MALFORMED (not JSON, truncated, duplicate key), STIX_TOO_DEEP,
 * STIX_TOO_LARGE, STIX_OBJECT_TOO_LARGE or STIX_NOT_A_BUNDLE, with `details.position`. Objects yielded before a bundle turns
 * out to be broken were still yielded: callers import inside a transaction and roll back on error.
 */
export async function* readStixObjects(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadStixOptions = STIX_READ_DEFAULTS,
): AsyncGenerator<unknown> {
  const parser = new Parser({ packValues: true, streamValues: false });
  const tokens: Token[] = [];
  parser.on('data', (token: Token) => tokens.push(token));
  parser.on('error', () => undefined); // reported through the write/end callbacks
  const bundle = new BundleAssembler(options.maxDepth);
  const position: StixReadPosition = { byte: 0, line: 1 };
  const maxObjectBytes = options.maxObjectBytes ?? STIX_MAX_OBJECT_BYTES;
  try {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let start = 0; start < bytes.length; start += SLICE_BYTES) {
        const slice = bytes.subarray(start, start + SLICE_BYTES);
        if (position.byte + slice.length > options.maxBytes) {
          throw readError('STIX_TOO_LARGE', `the bundle is larger than ${options.maxBytes} bytes`, { byte: options.maxBytes, line: position.line });
        }
        // Checked before the parser sees the slice: a giant element or string is never assembled.
        if (position.byte + slice.length - bundle.valueStart > maxObjectBytes + 2 * SLICE_BYTES) {
          throw readError('STIX_OBJECT_TOO_LARGE', `${bundle.describeOpenValue()} is larger than ${maxObjectBytes} bytes`, { ...position });
        }
        await feed(parser, slice, position);
        yield* bundle.take(tokens, position);
        position.byte += slice.length;
        position.line += countLines(slice);
      }
    }
    await finish(parser, position);
    yield* bundle.take(tokens, position);
    bundle.end(position);
  } finally {
    parser.destroy();
  }
}

function feed(parser: Parser, slice: Buffer, position: StixReadPosition): Promise<void> {
  return new Promise((resolve, reject) => {
    parser.write(slice, (error) => (error ? reject(readError('STIX_MALFORMED', `not valid JSON: ${error.message}`, { ...position })) : resolve()));
  });
}

function finish(parser: Parser, position: StixReadPosition): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(readError('STIX_MALFORMED', `not valid JSON (truncated?): ${error.message}`, { ...position }));
    };
    parser.once('error', fail);
    parser.end(() => {
      if (settled) return;
      settled = true;
      resolve();
    });
    // end()'s callback waits for the readable side to be consumed: keep it flowing.
    parser.resume();
  });
}

function countLines(slice: Buffer): number {
  let lines = 0;
  for (let at = slice.indexOf(10); at !== -1; at = slice.indexOf(10, at + 1)) lines++;
  return lines;
}

function readError(code: string, message: string, position: StixReadPosition): DomainError {
  return new DomainError(code, `${message} (near byte ${position.byte}, line ${position.line})`, { position });
}

/** Turns parser tokens into bundle checks and complete `objects` elements. */
class BundleAssembler {
  private depth = 0;
  private topKeys = new Set<string>();
  private topKey: string | undefined;
  private skipDepth = 0; // > 0 while skipping a bundle property we do not keep
  private inObjects = false;
  private stack: Container[] = [];
  private bundleType: unknown;
  private done = false;
  private elements = 0;
  /**
   * Start of the slice in which the last token at bundle level (a key, the `objects` array, the end
   * of an element) was seen: the value being read began after it.
   */
  valueStart = 0;

  constructor(private readonly maxDepth: number) {}

  *take(tokens: Token[], position: StixReadPosition): Generator<unknown> {
    const out: unknown[] = [];
    for (const token of tokens) {
      this.token(token, position, out);
      if (this.depth <= 2) this.valueStart = position.byte;
    }
    tokens.length = 0;
    this.elements += out.length;
    yield* out;
  }

  /** The value being read, for an error message (elements numbered from 0). */
  describeOpenValue(): string {
    return this.inObjects ? `object #${this.elements} of "objects"` : 'a property of the bundle';
  }

  end(position: StixReadPosition): void {
    if (!this.done) throw readError('STIX_MALFORMED', 'the bundle ends before its closing "}"', position);
    if (this.bundleType !== 'bundle') throw readError('STIX_NOT_A_BUNDLE', 'the top-level object has no "type": "bundle"', position);
  }

  private token(token: Token, position: StixReadPosition, out: unknown[]): void {
    const opens = token.name === 'startObject' || token.name === 'startArray';
    if (opens && ++this.depth > this.maxDepth) {
      throw readError('STIX_TOO_DEEP', `nesting deeper than ${this.maxDepth} levels`, position);
    }
    if (token.name === 'endObject' || token.name === 'endArray') this.depth--;
    if (this.depth === 0 && !opens && token.name !== 'endObject') {
      throw readError('STIX_NOT_A_BUNDLE', 'the top level is not a JSON object (a STIX bundle)', position);
    }
    if (opens && this.depth === 1) {
      if (token.name !== 'startObject') throw readError('STIX_NOT_A_BUNDLE', 'the top level is not a JSON object (a STIX bundle)', position);
      return;
    }
    if (this.depth === 0) {
      this.done = true;
      return;
    }
    if (this.inObjects) return this.element(token, position, out);
    if (this.skipDepth > 0) {
      if (opens) this.skipDepth++;
      else if (token.name === 'endObject' || token.name === 'endArray') this.skipDepth--;
      if (this.skipDepth === 0) this.topKey = undefined;
      return;
    }
    this.topLevel(token, opens, position);
  }

  private topLevel(token: Token, opens: boolean, position: StixReadPosition): void {
    if (token.name === 'keyValue') {
      const key = token.value ?? '';
      if (this.topKeys.has(key)) throw readError('STIX_MALFORMED', `the bundle has the key ${JSON.stringify(key.slice(0, 40))} twice`, position);
      this.topKeys.add(key);
      this.topKey = key;
      return;
    }
    const key = this.topKey;
    this.topKey = undefined;
    if (key === 'objects') {
      if (token.name !== 'startArray') throw readError('STIX_NOT_A_BUNDLE', '"objects" of the bundle is not an array', position);
      this.inObjects = true;
      return;
    }
    if (key === 'type') {
      this.bundleType = token.name === 'stringValue' ? token.value : undefined;
      if (this.bundleType !== 'bundle') throw readError('STIX_NOT_A_BUNDLE', 'the top-level object is not a STIX bundle ("type" is not "bundle")', position);
      return;
    }
    if (opens) {
      this.skipDepth = 1;
      this.topKey = key;
    }
  }

  // Inside "objects": build each element; depth 2 is the array itself.
  private element(token: Token, position: StixReadPosition, out: unknown[]): void {
    switch (token.name) {
      case 'startObject':
        this.stack.push({ kind: 'object', value: {} });
        return;
      case 'startArray':
        this.stack.push({ kind: 'array', value: [] });
        return;
      case 'endObject':
      case 'endArray': {
        if (this.stack.length === 0) {
          this.inObjects = false; // end of "objects"
          return;
        }
        const done = this.stack.pop() as Container;
        return this.add(done.value, position, out);
      }
      case 'keyValue': {
        const top = this.stack[this.stack.length - 1] as Extract<Container, { kind: 'object' }>;
        const key = token.value ?? '';
        if (Object.prototype.hasOwnProperty.call(top.value, key)) {
          throw readError('STIX_MALFORMED', `an object has the key ${JSON.stringify(key.slice(0, 40))} twice`, position);
        }
        top.key = key;
        return;
      }
      case 'stringValue':
        return this.add(token.value ?? '', position, out);
      case 'numberValue':
        return this.add(Number(token.value), position, out);
      case 'trueValue':
        return this.add(true, position, out);
      case 'falseValue':
        return this.add(false, position, out);
      case 'nullValue':
        return this.add(null, position, out);
    }
  }

  private add(value: unknown, _position: StixReadPosition, out: unknown[]): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      out.push(value);
      return;
    }
    if (top.kind === 'array') {
      top.value.push(value);
      return;
    }
    // defineProperty, not assignment: a "__proto__" key stays an ordinary property (as with JSON.parse).
    Object.defineProperty(top.value, top.key as string, { value, enumerable: true, writable: true, configurable: true });
    top.key = undefined;
  }
}
