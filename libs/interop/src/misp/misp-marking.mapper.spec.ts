import { describe, expect, it } from 'vitest';
import { distributionToTlp, readMarking } from './misp-marking.mapper';

const tags = (...names: string[]) => ({ Tag: names.map((name) => ({ name, exportable: true })) });

describe('distributionToTlp', () => {
  it.each([
    ['0', 'red'],
    [0, 'red'],
    ['1', 'amber'],
    ['2', 'amber'],
    ['3', 'green'],
    [3, 'green'],
    ['4', 'amber+strict'],
  ])('distribution %j → %s', (raw, tlp) => {
    expect(distributionToTlp(raw)).toEqual({ tlp });
  });

  it.each([['5'], [5], [undefined], [null], ['']])('distribution %j says nothing (inherit or absent)', (raw) => {
    expect(distributionToTlp(raw)).toEqual({});
  });

  it.each([['6'], ['-1'], ['all'], [{}], [true], ['3 ']])('an unreadable distribution %j counts as red', (raw) => {
    const result = distributionToTlp(raw);
    if (raw === '3 ') expect(result).toEqual({ tlp: 'green' }); // whitespace around a digit is still the digit
    else expect(result).toMatchObject({ tlp: 'red', unreadable: expect.any(String) });
  });
});

describe('readMarking', () => {
  it.each([
    ['tlp:white', 'clear'],
    ['tlp:clear', 'clear'],
    ['TLP:GREEN', 'green'],
    ['tlp:amber', 'amber'],
    ['tlp:amber+strict', 'amber+strict'],
    ['tlp:red', 'red'],
    ['tlp:unclear', 'red'],
    ['tlp:ambre', 'red'],
  ])('%s → %s', (tag, tlp) => {
    expect(readMarking(tags(tag)).tlp).toBe(tlp);
  });

  it('takes the most restrictive of several tlp tags', () => {
    expect(readMarking(tags('tlp:green', 'tlp:amber+strict', 'tlp:amber')).tlp).toBe('amber+strict');
  });

  it('notes tlp:ex:chr without changing the level', () => {
    const marking = readMarking(tags('tlp:green', 'tlp:ex:chr'));
    expect(marking).toMatchObject({ tlp: 'green', chatham: true, tags: [] });
  });

  it.each([
    ['ht:sexual-exploitation', 'ht:sexual-exploitation'],
    ['Phishing', 'phishing'],
    ['osint:source-type="blog-post"', 'osint:source-type:blog-post'],
    ['admiralty-scale:source-reliability="b"', 'admiralty-scale:source-reliability:b'],
    ['misp-galaxy:threat-actor="Sofacy"', 'misp-galaxy:threat-actor:sofacy'],
  ])('keeps %s as %s', (tag, kept) => {
    expect(readMarking(tags(tag)).tags).toEqual([kept]);
  });

  it.each([
    ['misp-galaxy:exploit-kit="Sednit EK"', 'MISP_TAG_UNFIT'],
    ['has space', 'MISP_TAG_UNFIT'],
    ['x'.repeat(65), 'MISP_TAG_UNFIT'],
    ['a:b="c"d"', 'MISP_TAG_UNFIT'],
    ['ünïcode', 'MISP_TAG_UNFIT'],
    ['workflow:state="complete"', 'MISP_TAG_WORKFLOW'],
  ])('drops %s (%s)', (tag, code) => {
    const marking = readMarking(tags(tag));
    expect(marking.tags).toEqual([]);
    expect(marking.dropped.map((d) => d.code)).toEqual([code]);
  });

  it('drops non-exportable tags but still honours a non-exportable tlp tag', () => {
    const marking = readMarking({ Tag: [{ name: 'local:note', exportable: false }, { name: 'tlp:red', exportable: false }] });
    expect(marking).toMatchObject({ tlp: 'red', tags: [] });
    expect(marking.dropped.map((d) => d.code)).toEqual(['MISP_TAG_NOT_EXPORTABLE']);
  });

  it('reads EventTag/AttributeTag wrappers and ignores junk entries', () => {
    const marking = readMarking({
      Tag: [null, 7, 'tlp:red', { name: 42 }, { name: '' }],
      EventTag: [{ Tag: { name: 'ht:labour' } }, { Tag: null }, {}],
      AttributeTag: 'not an array',
    });
    expect(marking.tlp).toBeUndefined();
    expect(marking).toMatchObject({ tags: ['ht:labour'], dropped: [] });
  });

  it('de-duplicates tags that fold to the same name', () => {
    expect(readMarking(tags('HT:LABOUR', 'ht:labour')).tags).toEqual(['ht:labour']);
  });
});
