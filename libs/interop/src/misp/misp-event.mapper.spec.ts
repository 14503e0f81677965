import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIndicatorBatch } from '@palermo/indicators';
import { mispEventToIndicators } from './misp-event.mapper';
import type { MispImport } from './misp.types';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
const A = (n: number) => `7a0e0c1e-1111-4c1a-9e0f-${String(n).padStart(12, '0')}`;
const O = (n: number) => `7a0e0c1e-2222-4c1a-9e0f-${String(n).padStart(12, '0')}`;

function item(result: MispImport, uuid: string, component?: string) {
  return result.items.find((i) => i.source.uuid === uuid && i.source.component === component);
}
function skipped(result: MispImport, uuid: string) {
  return result.skipped.filter((s) => s.uuid === uuid).map((s) => s.code);
}

describe('mispEventToIndicators: a mixed event (mixed-event.json)', () => {
  const result = mispEventToIndicators(fixture('mixed-event.json'), { defaultRegion: 'NL' });

  it('keeps the event provenance', () => {
    expect(result.event).toEqual({
      uuid: '5f1c0a3e-7d2b-4c1a-9e0f-2b8d4a6c1e01',
      info: "Recruitment ads for 'hostess work' in NL and DE: phones, wallets, accounts",
      date: '2026-03-02',
      orgc: { uuid: '55f6ea5e-2c60-40e5-964f-47a8950d210f', name: 'Example NGO' },
    });
  });

  it('maps every mappable attribute, top level and in objects', () => {
    const mapped = result.items.map((i) => `${i.input.type}:${i.input.platform ?? i.input.chain ?? ''}:${i.input.value}`);
    expect(mapped).toEqual([
      'phone::+31612345678',
      'email::hostess.jobs@example.org',
      'url::https://hostess-jobs.example.org/apply?ref=ad7',
      'domain::hostess-jobs.example.org',
      'ip::203.0.113.7',
      'ip::2001:db8::7',
      'crypto-wallet:btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
      'iban::NL91ABNA0417164300',
      'file-sha256::9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'username:telegram:hostess_recruiter',
      'phone::+4915123456789',
      'username:only-fans:lena.models',
      'crypto-wallet:eth:0x52908400098527886e0f7030069857d2e4169ee7',
    ]);
  });

  it('reports every other attribute with a code', () => {
    expect(Object.fromEntries(result.skipped.map((s) => [s.uuid, s.code]))).toEqual({
      [A(2)]: 'MISP_DUPLICATE_IN_EVENT',
      [A(4)]: 'MISP_DUPLICATE_IN_EVENT',
      [A(6)]: 'MISP_TYPE_UNSUPPORTED',
      [A(10)]: 'MISP_TYPE_UNSUPPORTED',
      [A(13)]: 'MISP_TYPE_UNSUPPORTED',
      [A(14)]: 'MISP_TYPE_UNSUPPORTED',
      [A(15)]: 'MISP_DELETED',
      [A(16)]: 'MISP_TARGET_DATA',
      [A(17)]: 'PHONE_INVALID',
      [A(18)]: 'MISP_URI_RELATIVE',
      [O(103)]: 'MISP_TYPE_UNSUPPORTED',
      [O(202)]: 'MISP_OBJECT_QUALIFIER',
      [O(302)]: 'MISP_OBJECT_QUALIFIER',
      [O(401)]: 'MISP_USERNAME_PLATFORM_UNKNOWN',
      [O(402)]: 'MISP_OBJECT_QUALIFIER',
      [O(501)]: 'MISP_DELETED',
    });
    for (const s of result.skipped) expect(s.reason.length).toBeGreaterThan(10);
    expect(result.skipped.find((s) => s.uuid === A(6))?.reason).toMatch(/reference to external material/);
    expect(result.skipped.find((s) => s.uuid === A(16))?.value).toBe('victim@example.com');
  });

  it('accounts for every attribute exactly once (mapped, or skipped)', () => {
    const event = (fixture('mixed-event.json') as { Event: { Attribute: unknown[]; Object: { Attribute: unknown[] }[] } }).Event;
    const total = event.Attribute.length + event.Object.reduce((n, o) => n + o.Attribute.length, 0);
    const mappedAttributes = new Set(result.items.map((i) => i.source.uuid)).size;
    expect(mappedAttributes + result.skipped.length).toBe(total);
  });

  it('maps TLP conservatively: tags and distributions only add restriction', () => {
    expect(item(result, A(5))?.input.tlp).toBe('amber'); // event tlp:amber, distribution 1, inherit
    expect(item(result, A(7), 'domain')?.input.tlp).toBe('amber'); // distribution 3 (green) cannot lower amber
    expect(item(result, A(11))?.input.tlp).toBe('amber+strict'); // sharing group
    expect(item(result, O(201))?.input.tlp).toBe('red'); // object distribution 0
    // The same phone once more with tlp:red, the same e-mail once more with distribution 0: merged, strictest wins.
    expect(item(result, A(1))?.input.tlp).toBe('red');
    expect(item(result, A(3))?.input.tlp).toBe('red');
  });

  it('keeps ht: and fitting tags, converts machine tags, drops workflow and non-exportable tags', () => {
    expect(item(result, A(5))?.input.tags).toEqual(['ht:recruitment', 'misp-galaxy:threat-actor:sofacy', 'osint:source-type:blog-post']);
    expect(item(result, A(9))?.input.tags).toContain('ht:payment');
    const codes = result.warnings.filter((w) => w.uuid === result.event.uuid).map((w) => w.code);
    expect(codes).toEqual(['MISP_TAG_WORKFLOW', 'MISP_TAG_NOT_EXPORTABLE']);
  });

  it('carries seen dates, comments and provenance', () => {
    const phone = item(result, A(1));
    expect(phone?.input).toMatchObject({
      firstSeen: '2026-02-20T10:00:00.000Z',
      lastSeen: '2026-03-01T18:30:00.000Z',
      description: 'WhatsApp number in the ad',
      confidence: 50,
    });
    expect(phone?.source).toEqual({ uuid: A(1), type: 'phone-number', category: 'Person', timestamp: '2026-03-02T10:00:00.000Z', toIds: false });
    expect(item(result, A(5))?.input.firstSeen).toBe('2026-03-02T00:00:00.000Z'); // the event date
    expect(item(result, O(301))?.input.firstSeen).toBe('2026-02-25T00:00:00.000Z'); // the object's first_seen
    expect(item(result, O(101))?.source.object).toEqual({ uuid: '9b1d2c3e-2222-4c1a-9e0f-000000000100', name: 'telegram-account', relation: 'username' });
    expect(item(result, A(7), 'ip')?.source.component).toBe('ip');
  });

  it('yields inputs that POST /indicators accepts as one batch', () => {
    const batch = parseIndicatorBatch({ indicators: result.items.map((i) => i.input) }, { defaultRegion: 'NL' });
    expect(batch.ok).toBe(true);
    if (batch.ok) expect(batch.items).toEqual(result.items.map((i) => i.input));
  });

  it('without a default region, a national phone number is skipped with the normalizer code', () => {
    const noRegion = mispEventToIndicators(fixture('mixed-event.json'));
    expect(skipped(noRegion, A(2))).toEqual(['PHONE_REGION_REQUIRED']);
    expect(item(noRegion, A(1))?.input.tlp).toBe('amber');
  });

  it('requireToIds skips the attributes that are not actionable', () => {
    const strict = mispEventToIndicators(fixture('mixed-event.json'), { defaultRegion: 'NL', requireToIds: true });
    expect(skipped(strict, A(1))).toEqual(['MISP_NOT_TO_IDS']);
    expect(item(strict, A(2))?.input.value).toBe('+31612345678');
  });
});

describe('mispEventToIndicators: a bare OSINT event (osint-bare-event.json)', () => {
  const result = mispEventToIndicators(fixture('osint-bare-event.json'), { defaultTlp: 'red' });

  it('reads a bare event, TLP 1.0 white as clear, distribution 3 as green', () => {
    expect(result.event).toMatchObject({ uuid: '5a3c2fcd-8328-42bb-a95e-4f4402de0b81', date: '2017-12-21' });
    expect(result.event.orgc).toBeUndefined();
    expect(result.items.map((i) => [i.input.value, i.input.tlp])).toEqual([
      ['movieultimate.com', 'green'],
      ['meteost.com', 'green'],
    ]);
    expect(result.items[0]?.input.description).toBe('Xagent Samples');
    expect(result.skipped.map((s) => s.code)).toEqual(['MISP_TYPE_UNSUPPORTED', 'MISP_TYPE_UNSUPPORTED']);
  });

  it('drops a tag that does not fit Palermo tags, with a warning', () => {
    expect(result.items[0]?.input.tags).toEqual(['misp-galaxy:threat-actor:sofacy']);
    expect(result.warnings.map((w) => w.code)).toEqual(['MISP_TAG_WORKFLOW', 'MISP_TAG_UNFIT']);
  });
});
