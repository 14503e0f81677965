import { describe, expect, it } from 'vitest';
import { mispEventToIndicators } from './misp-event.mapper';

// What an import needs to version attributes: a timestamp that never is "now", and the attributes
// MISP deleted, so an earlier import of them can be revoked.

const EVENT_UUID = '5f1c0a3e-7d2b-4c1a-9e0f-2b8d4a6c1e02';
const A = '7a0e0c1e-4444-4c1a-9e0f-000000000001';
const B = '7a0e0c1e-4444-4c1a-9e0f-000000000002';
const ISO = (seconds: number) => new Date(seconds * 1000).toISOString();

const attr = (uuid: string, type: string, value: string, extra: Record<string, unknown> = {}) => ({ uuid, type, category: 'Network activity', value, ...extra });
const event = (extra: Record<string, unknown>) => ({ Event: { uuid: EVENT_UUID, info: 't', date: '2026-01-01', ...extra } });

describe('mispEventToIndicators: attribute versions', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, string]>([
    ['its own timestamp', { timestamp: '1767300000' }, { timestamp: '1767200000' }, ISO(1767300000)],
    ["its object's timestamp", {}, { timestamp: '1767200000' }, ISO(1767200000)],
    ["the event's timestamp", {}, undefined, ISO(1767100000)],
  ])('an attribute takes %s', (_name, own, object, expected) => {
    const a = attr(A, 'domain', 'versions.example', own);
    const json = object
      ? event({ timestamp: '1767100000', Object: [{ name: 'domain-ip', uuid: B, ...object, Attribute: [{ ...a, object_relation: 'domain' }] }] })
      : event({ timestamp: '1767100000', Attribute: [a] });
    const result = mispEventToIndicators(json);
    expect(result.items[0]?.source.timestamp).toBe(expected);
    expect(result.warnings.some((w) => w.code === 'MISP_NO_TIMESTAMP')).toBe(own.timestamp === undefined);
  });

  it('falls back to publish_timestamp, then to the event date; null only when the event has none', () => {
    const a = attr(A, 'domain', 'versions.example');
    expect(mispEventToIndicators(event({ publish_timestamp: '1767150000', Attribute: [a] })).items[0]?.source.timestamp).toBe(ISO(1767150000));
    expect(mispEventToIndicators(event({ Attribute: [a] })).items[0]?.source.timestamp).toBe('2026-01-01T00:00:00.000Z');
    const dateless = mispEventToIndicators({ Event: { uuid: EVENT_UUID, info: 't', Attribute: [a] } });
    expect(dateless.items[0]?.source.timestamp).toBeNull();
    expect(dateless.warnings).toEqual([expect.objectContaining({ uuid: A, code: 'MISP_NO_TIMESTAMP', message: expect.stringContaining('first import') })]);
  });

  it('the same event mapped twice gives the same versions (never the time of the import)', () => {
    const json = event({ Attribute: [attr(A, 'domain', 'same.example')] });
    expect(mispEventToIndicators(json).items).toEqual(mispEventToIndicators(json).items);
  });
});

describe('mispEventToIndicators: deleted attributes', () => {
  it('are skipped (MISP_DELETED) and listed for revocation with their timestamp, each half of a composite one', () => {
    const result = mispEventToIndicators(
      event({
        Attribute: [attr(A, 'domain', 'gone.example', { deleted: true, timestamp: '1767300000' }), attr(B, 'domain|ip', 'gone.example|203.0.113.5', { deleted: '1', timestamp: '1767300001' })],
      }),
    );
    expect(result.items).toEqual([]);
    expect(result.skipped.map((s) => s.code)).toEqual(['MISP_DELETED', 'MISP_DELETED']);
    expect(result.deleted).toEqual([
      { uuid: A, timestamp: ISO(1767300000) },
      { uuid: B, component: 'domain', timestamp: ISO(1767300001) },
      { uuid: B, component: 'ip', timestamp: ISO(1767300001) },
    ]);
  });

  it('an attribute of a deleted object is deleted too', () => {
    const result = mispEventToIndicators(
      event({ Object: [{ name: 'domain-ip', uuid: B, deleted: true, timestamp: '1767300000', Attribute: [attr(A, 'domain', 'obj-gone.example', { object_relation: 'domain' })] }] }),
    );
    expect(result.deleted).toEqual([{ uuid: A, timestamp: ISO(1767300000) }]);
  });
});
