import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DomainError, parseIndicatorBatch, type WireIndicator } from '@palermo/indicators';
import { stixSchemaErrors } from '../../../../tests/fixtures/stix2.1-json-schemas/stix-schema.validator';
import { BUNDLE_CHUNK_CHARS, stixBundleChunks } from './stix-bundle.writer';
import { readStixObjects, STIX_READ_DEFAULTS } from './stix-bundle.reader';
import { identityToStix, indicatorToStix } from './stix-export.mapper';
import { stixObjectToIndicator } from './stix-import.mapper';
import { newStixBundleId } from './stix.ids';
import { TLP_MARKING_DEFINITIONS } from './stix.markings';
import { STIX_SAMPLE_VALUES, sampleIndicator } from './stix.fixtures';
import { parseStixTimestamp, toStixTimestamp } from './stix.timestamps';

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('stixBundleChunks', () => {
  it('a bundle without objects has no "objects" key (the schema wants ≥ 1 when present)', async () => {
    const id = newStixBundleId();
    const text = (await collect(stixBundleChunks(id, []))).join('');
    expect(JSON.parse(text)).toEqual({ type: 'bundle', id });
    expect(stixSchemaErrors(JSON.parse(text))).toEqual([]);
  });

  it('refuses a bundle id that is not one', async () => {
    await expect(collect(stixBundleChunks('bundle--nope', []))).rejects.toBeInstanceOf(DomainError);
    await expect(collect(stixBundleChunks('indicator--8e2e2d2b-17d4-4cbd-938a-5a1a2b6f4a5c', []))).rejects.toMatchObject({ code: 'STIX_BUNDLE_ID_INVALID' });
  });

  it('writes as it goes, in chunks of about BUNDLE_CHUNK_CHARS, asking for objects lazily', async () => {
    let pulled = 0;
    function* objects() {
      for (let i = 0; i < 2000; i++) {
        pulled++;
        yield { type: 'x-filler', id: `x-filler--8e2e2d2b-17d4-4cbd-938a-${String(i).padStart(12, '0')}`, pad: 'p'.repeat(200) };
      }
    }
    const iterator = stixBundleChunks(newStixBundleId(), objects())[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value.length).toBeGreaterThanOrEqual(BUNDLE_CHUNK_CHARS);
    expect(pulled).toBeLessThan(2000);
    let text = first.value as string;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) text += next.value;
    expect(JSON.parse(text).objects).toHaveLength(2000);
  });

  it('escapes hostile strings into valid JSON (quotes, U+2028, lone surrogates)', async () => {
    const object = { type: 'x-t', id: 'x-t--8e2e2d2b-17d4-4cbd-938a-5a1a2b6f4a5c', s: '"]}\u2028\ud800</script>' };
    const text = (await collect(stixBundleChunks(newStixBundleId(), [object]))).join('');
    expect(JSON.parse(text).objects).toEqual([object]);
  });
});

describe('export → file → import on another node', () => {
  it('yields the same indicators (every type), ignoring identities and markings', async () => {
    const indicators: WireIndicator[] = STIX_SAMPLE_VALUES.map((value, i) =>
      sampleIndicator({ ...value, id: `01942220-5000-7000-8000-${String(i).padStart(12, '0')}`, tlp: (['clear', 'green', 'amber', 'amber+strict', 'red'] as const)[i % 5] }),
    );
    async function* objects() {
      yield* Object.values(TLP_MARKING_DEFINITIONS);
      yield identityToStix({ nodeId: 'nl-police', jurisdiction: 'NL' });
      for (const indicator of indicators) yield indicatorToStix(indicator);
    }
    const file = (await collect(stixBundleChunks(newStixBundleId(), objects()))).join('');
    const items = [];
    for await (const object of readStixObjects(Readable.from([Buffer.from(file)]), STIX_READ_DEFAULTS)) items.push(stixObjectToIndicator(object, { defaultTlp: 'amber' }));
    expect(items.filter((item) => item.kind === 'ignored')).toHaveLength(6);
    const inputs = items.flatMap((item) => (item.kind === 'indicator' ? [item.input] : []));
    const batch = parseIndicatorBatch({ indicators: inputs });
    expect(batch.ok).toBe(true);
    if (!batch.ok) return;
    expect(batch.items).toEqual(
      indicators.map((ind) => ({
        type: ind.type,
        value: ind.value,
        ...(ind.platform ? { platform: ind.platform } : {}),
        ...(ind.chain ? { chain: ind.chain } : {}),
        tlp: ind.tlp,
        confidence: ind.confidence,
        tags: ind.tags,
        firstSeen: ind.firstSeen,
        lastSeen: ind.lastSeen,
        validUntil: ind.validUntil,
        description: ind.description,
      })),
    );
  });
});

describe('STIX timestamps', () => {
  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.1Z', '2024-05-01T10:00:00.100Z'],
    ['2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:00.123Z'], // cut, not rounded
    ['2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
  ])('%s → %s', (text, iso) => expect(parseStixTimestamp(text)).toBe(iso));

  it.each(['2023-02-29T00:00:00Z', '2024-05-01T10:00:00', '2024-05-01T10:00:00+00:00', '2024-05-01 10:00:00Z', '2024-05-01T24:00:00Z', '2016-12-31T23:59:60Z', '0999-01-01T00:00:00Z', '', 20240501, null, `2024-05-01T10:00:00.${'1'.repeat(100)}Z`])(
    '%j is refused',
    (text) => expect(parseStixTimestamp(text)).toBeUndefined(),
  );

  it('output always has milliseconds and Z', () => {
    expect(toStixTimestamp('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(toStixTimestamp(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(() => toStixTimestamp('soon')).toThrow(RangeError);
  });
});
