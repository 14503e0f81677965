import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DomainError } from '@palermo/indicators';
import { readStixObjects, SLICE_BYTES, type ReadStixOptions } from './stix-bundle.reader';
import { indicatorToStix } from './stix-export.mapper';
import { sampleIndicator } from './stix.fixtures';

const LIMITS: ReadStixOptions = { maxBytes: 1024 * 1024, maxDepth: 16 };

async function readAll(source: AsyncIterable<Uint8Array | string> | string, options = LIMITS): Promise<unknown[]> {
  const input = typeof source === 'string' ? Readable.from([Buffer.from(source)]) : source;
  const objects: unknown[] = [];
  for await (const object of readStixObjects(input, options)) objects.push(object);
  return objects;
}

async function readError(source: AsyncIterable<Uint8Array | string> | string, options = LIMITS): Promise<DomainError> {
  try {
    await readAll(source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected the read to fail');
}

function* bytewise(text: string): Generator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}

describe('readStixObjects', () => {
  it('yields each element of "objects", wherever the key is', async () => {
    const objects = [{ type: 'x', id: 'x--1', nested: { list: [1, 2.5, -3e2, true, false, null, 'é 🌹 "q"'] } }, 'a string', 42, [1]];
    for (const text of [
      JSON.stringify({ type: 'bundle', id: 'bundle--1', objects }),
      JSON.stringify({ objects, id: 'bundle--1', type: 'bundle' }),
      JSON.stringify({ id: 'bundle--1', extra: { deep: [{ a: 1 }] }, objects, type: 'bundle', spec_version: '2.0' }),
      JSON.stringify({ type: 'bundle', id: 'bundle--1', objects }, null, 2),
    ]) {
      expect(await readAll(text)).toEqual(objects);
    }
  });

  it('gives the same objects however the input is cut (one byte at a time, split UTF-8 characters)', async () => {
    const text = JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [{ a: 'é 🌹 日本', b: [1, { c: '\\"' }] }, { d: 1 }] });
    expect(await readAll(Readable.from(bytewise(text)))).toEqual(JSON.parse(text).objects);
    expect(await readAll(Readable.from([text.slice(0, 10), text.slice(10)]))).toEqual(JSON.parse(text).objects);
  });

  it('a bundle without objects (or with an empty list) yields nothing', async () => {
    expect(await readAll('{"type":"bundle","id":"bundle--1"}')).toEqual([]);
    expect(await readAll('{"type":"bundle","id":"bundle--1","objects":[]}')).toEqual([]);
  });

  it('keeps "__proto__" as an ordinary key (as JSON.parse does)', async () => {
    const [object] = (await readAll('{"type":"bundle","objects":[{"__proto__":{"polluted":true},"type":"x"}]}')) as Record<string, unknown>[];
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.keys(object)).toEqual(['__proto__', 'type']);
    expect((object as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each([
    ['[]', 'an array'],
    ['"bundle"', 'a string'],
    ['null', 'null'],
    ['{"type":"report","objects":[{"a":1}]}', 'another type, before objects'],
    ['{"objects":[{"a":1}],"id":"bundle--1"}', 'no type at all'],
    ['{"objects":[{"a":1}],"type":"Bundle"}', 'a type that is not "bundle", after objects'],
    ['{"type":["bundle"]}', 'a type that is not a string'],
    ['{"type":"bundle","objects":{"a":1}}', 'objects that are not an array'],
  ])('%s is not a bundle (%s)', async (text) => {
    expect((await readError(text)).code).toBe('STIX_NOT_A_BUNDLE');
  });

  it.each([
    ['', 'empty'],
    ['   ', 'whitespace'],
    ['{"type":"bundle","objects":[{"a":1},]}', 'trailing comma'],
    ["{'type':'bundle'}", 'single quotes'],
    ['{"type":"bundle","objects":[{"a":NaN}]}', 'NaN'],
    ['{"type":"bundle","objects":[]} {}', 'two documents'],
    ['{"type":"bundle","objects":[]}x', 'trailing garbage'],
    ['{"type":"bundle","objects":[{"a":"\u0001"}]}', 'raw control character'],
    ['{"type":"bundle","objects":[{"a":1,"a":2}]}', 'duplicate key in an object'],
    ['{"type":"bundle","type":"bundle","objects":[]}', 'duplicate key in the bundle'],
    ['{"type":"bundle","objects":[],"objects":[{"a":1}]}', 'objects twice'],
  ])('%j is malformed (%s)', async (text) => {
    expect((await readError(text)).code).toBe('STIX_MALFORMED');
  });

  it('a truncated file is malformed, at its end', async () => {
    const text = JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: Array.from({ length: 50 }, (_, i) => ({ i, pad: 'x'.repeat(200) })) });
    const cut = text.slice(0, text.length - 150);
    const error = await readError(cut);
    expect(error.code).toBe('STIX_MALFORMED');
    expect(error.details).toEqual({ position: { byte: Buffer.byteLength(cut), line: 1 } });
    expect(error.message).toContain(`near byte ${Buffer.byteLength(cut)}`);
  });

  it('names where malformed JSON was found (to the slice) and its line', async () => {
    const good = `{"type":"bundle","objects":[\n${Array.from({ length: 400 }, (_, i) => JSON.stringify({ i, pad: 'y'.repeat(40) })).join(',\n')}`;
    const text = `${good},\n{"broken": tru}]}`;
    const error = await readError(text);
    expect(error.code).toBe('STIX_MALFORMED');
    const { byte, line } = (error.details as { position: { byte: number; line: number } }).position;
    const at = Buffer.byteLength(good);
    expect(byte).toBeLessThanOrEqual(at + 20);
    expect(byte).toBeGreaterThan(at + 20 - SLICE_BYTES);
    expect(line).toBeLessThanOrEqual(402);
    expect(line).toBeGreaterThan(402 - SLICE_BYTES / 40);
  });

  it('refuses nesting deeper than maxDepth, inside an object or a skipped bundle property', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect((await readError(`{"type":"bundle","objects":[{"a":${deep(14)}}]}`)).code).toBe('STIX_TOO_DEEP');
    expect(await readAll(`{"type":"bundle","objects":[{"a":${deep(13)}}]}`)).toHaveLength(1); // depth 16 exactly
    expect((await readError(`{"type":"bundle","x":${deep(16)},"objects":[]}`)).code).toBe('STIX_TOO_DEEP');
    // 100,000 open brackets: refused at depth 17, never built.
    const error = await readError(`{"type":"bundle","objects":[${'['.repeat(100_000)}`, { maxBytes: 10_000_000, maxDepth: 16 });
    expect(error.code).toBe('STIX_TOO_DEEP');
  });

  it('refuses more than maxBytes without reading further', async () => {
    let produced = 0;
    async function* endless() {
      yield '{"type":"bundle","objects":[';
      for (;;) {
        produced += 1000;
        yield `{"pad":"${'z'.repeat(990)}"},`;
      }
    }
    const error = await readError(endless(), { maxBytes: 100_000, maxDepth: 16 });
    expect(error.code).toBe('STIX_TOO_LARGE');
    expect(error.details).toMatchObject({ position: { byte: 100_000 } });
    expect(produced).toBeLessThan(110_000);
    // Exactly at the limit is fine.
    const text = '{"type":"bundle","objects":[{"a":1}]}';
    expect(await readAll(text, { maxBytes: Buffer.byteLength(text), maxDepth: 16 })).toHaveLength(1);
    expect((await readError(text, { maxBytes: Buffer.byteLength(text) - 1, maxDepth: 16 })).code).toBe('STIX_TOO_LARGE');
  });

  it('stops reading the source when the caller stops early', async () => {
    let produced = 0;
    async function* many() {
      yield '{"type":"bundle","objects":[{"n":0}';
      for (let n = 1; n < 1_000_000; n++) {
        produced++;
        yield `,{"n":${n}}`;
      }
      yield ']}';
    }
    let seen = 0;
    for await (const _ of readStixObjects(many(), LIMITS)) if (++seen === 3) break;
    expect(produced).toBeLessThan(10_000);
  });

  it('streams 100,000 indicators with bounded memory (never the whole file)', async () => {
    const template = JSON.stringify(indicatorToStix(sampleIndicator({ type: 'keyword', value: 'k' })));
    const objects = 100_000;
    let bytes = 0;
    async function* bundle() {
      yield '{"type":"bundle","id":"bundle--5d3e2a8c-1b0f-4c7e-9a55-0c8f6a1e2b3d","objects":[';
      for (let i = 0; i < objects; i += 100) {
        const batch = Array.from({ length: 100 }, (_, j) => template.replace('"k"', `"k${i + j}"`)).join(',');
        bytes += batch.length;
        yield i === 0 ? batch : `,${batch}`;
      }
      yield ']}';
    }
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    let last: unknown;
    for await (const object of readStixObjects(bundle(), { maxBytes: 1024 * 1024 * 1024, maxDepth: 16 })) {
      count++;
      last = object;
      if (count % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(objects);
    expect((last as { name: string }).name).toBe(`k${objects - 1}`);
    expect(bytes).toBeGreaterThan(objects * 800); // ~85 MB of input …
    expect(peak - before).toBeLessThan(48 * 1024 * 1024); // … read in well under half of it
  }, 120_000);

  describe('a single oversize object (maxObjectBytes)', () => {
    const LIMIT = 64 * 1024;
    const options = { maxBytes: 512 * 1024 * 1024, maxDepth: 16, maxObjectBytes: LIMIT };

    // A hostile file: one small object, then one whose body never ends, fed in 64 KiB chunks.
    async function* giant(open: string, unit: string, counter: { produced: number }) {
      yield `{"type":"bundle","id":"bundle--1","objects":[{"type":"identity","id":"identity--1"},${open}`;
      const chunk = unit.repeat(Math.ceil(65536 / unit.length));
      for (;;) {
        counter.produced += chunk.length;
        yield chunk;
        if (counter.produced > 400 * 1024 * 1024) return; // never reached when the limit works
      }
    }

    for (const [name, open, unit] of [
      ['a giant array', '{"type":"indicator","x":[', '0,'],
      ['a giant string', '{"type":"indicator","description":"', 'z'],
      ['a giant bare string element', '"', 'y'],
    ] as const) {
      it(`refuses ${name} with STIX_OBJECT_TOO_LARGE and its position, before it is assembled`, async () => {
        const counter = { produced: 0 };
        const before = process.memoryUsage().heapUsed;
        const error = await readError(giant(open, unit, counter), options);
        expect(error.code).toBe('STIX_OBJECT_TOO_LARGE');
        expect(error.message).toContain('object #1 of "objects"');
        expect(error.details).toMatchObject({ position: { byte: expect.any(Number), line: 1 } });
        // Stopped within a few slices past the limit: the rest of the 400 MB was never read …
        expect(counter.produced).toBeLessThan(LIMIT + 4 * 65536);
        // … and never held.
        expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
      });
    }

    it('passes objects up to the limit, however the input is cut', async () => {
      const big = { type: 'indicator', id: 'indicator--1', description: 'd'.repeat(LIMIT - 100) };
      const text = JSON.stringify({ type: 'bundle', objects: [big, big, { type: 'x' }] });
      expect(await readAll(text, options)).toEqual([big, big, { type: 'x' }]);
      expect(await readAll(Readable.from([Buffer.from(text)], { objectMode: true }), options)).toHaveLength(3);
    });

    it('bounds a bundle property as well', async () => {
      const text = JSON.stringify({ type: 'bundle', note: 'n'.repeat(LIMIT * 2), objects: [] });
      const error = await readError(text, options);
      expect(error.code).toBe('STIX_OBJECT_TOO_LARGE');
      expect(error.message).toContain('a property of the bundle');
    });

    it('defaults to 1 MiB', async () => {
      const text = JSON.stringify({ type: 'bundle', objects: [{ type: 'x', s: 'q'.repeat(1024 * 1024 + 3 * SLICE_BYTES) }] });
      expect((await readError(text, { maxBytes: 10 * 1024 * 1024, maxDepth: 16 })).code).toBe('STIX_OBJECT_TOO_LARGE');
      const ok = JSON.stringify({ type: 'bundle', objects: [{ type: 'x', s: 'q'.repeat(1024 * 1024 - 100) }] });
      expect(await readAll(ok, { maxBytes: 10 * 1024 * 1024, maxDepth: 16 })).toHaveLength(1);
    });
  });
});
