import { describe, expect, it } from 'vitest';
import { TLP_LEVELS, type Tlp } from '@palermo/indicators';
import { BaselineExportPolicy } from './export.policy';
import { indicator } from './policy.fixtures';
import type { ExportDecision } from './policy.types';

const policy = new BaselineExportPolicy();
const decide = (tlp: Tlp, audience: string): ExportDecision => policy.decideExport([{ indicator: indicator({ tlp }), audience }])[0]!;

describe('BaselineExportPolicy', () => {
  it.each<[Tlp, string, ExportDecision]>([
    ['clear', 'all', { action: 'share', reasons: ['export.tlp-community'] }],
    ['green', 'all', { action: 'share', reasons: ['export.tlp-community'] }],
    ['amber', 'all', { action: 'withhold', reasons: ['export.tlp-not-for-community'] }],
    ['amber+strict', 'all', { action: 'withhold', reasons: ['export.tlp-not-for-community', 'export.tlp-requires-encryption'] }],
    ['red', 'all', { action: 'withhold', reasons: ['export.tlp-not-for-community', 'export.tlp-requires-encryption'] }],
    ['clear', 'de-bka', { action: 'share', reasons: ['export.tlp-partner'] }],
    ['green', 'de-bka', { action: 'share', reasons: ['export.tlp-partner'] }],
    ['amber', 'de-bka', { action: 'share', reasons: ['export.tlp-partner'] }],
    ['amber+strict', 'de-bka', { action: 'withhold', reasons: ['export.tlp-requires-encryption'] }],
    ['red', 'de-bka', { action: 'withhold', reasons: ['export.tlp-requires-encryption'] }],
  ])('TLP:%s to %s', (tlp, audience, expected) => {
    expect(decide(tlp, audience)).toEqual(expected);
  });

  it('covers every TLP level for both kinds of audience', () => {
    for (const tlp of TLP_LEVELS) {
      for (const audience of ['all', 'ngo-lastrada']) expect(decide(tlp, audience).reasons.length).toBeGreaterThan(0);
    }
  });

  it('decides a batch one for one, in order', () => {
    const decisions = policy.decideExport([
      { indicator: indicator({ tlp: 'amber' }), audience: 'all' },
      { indicator: indicator({ tlp: 'amber' }), audience: 'de-bka' },
    ]);
    expect(decisions.map((d) => d.action)).toEqual(['withhold', 'share']);
  });

  it('refuses an audience that is neither a node id nor "all"', () => {
    expect(() => decide('green', 'Everyone')).toThrowError(expect.objectContaining({ code: 'AUDIENCE_INVALID' }));
  });
});
