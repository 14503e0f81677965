import { describe, expect, it } from 'vitest';
import { loadAlertsConfig } from './alerts.config';

describe('PALERMO_ALERT_*_THRESHOLD', () => {
  it("defaults to the near-match index's defaults: PDQ 31, pHash 10", () => {
    expect(loadAlertsConfig({})).toEqual({ pdqThreshold: 31, phashThreshold: 10 });
  });

  it('reads each variable, up to the index maximum', () => {
    expect(loadAlertsConfig({ PALERMO_ALERT_PDQ_THRESHOLD: ' 47 ', PALERMO_ALERT_PHASH_THRESHOLD: '0' })).toEqual({ pdqThreshold: 47, phashThreshold: 0 });
  });

  it.each([
    ['PALERMO_ALERT_PDQ_THRESHOLD', '48'],
    ['PALERMO_ALERT_PDQ_THRESHOLD', '-1'],
    ['PALERMO_ALERT_PDQ_THRESHOLD', '31.5'],
    ['PALERMO_ALERT_PDQ_THRESHOLD', '0x1f'],
    ['PALERMO_ALERT_PHASH_THRESHOLD', '16'],
    ['PALERMO_ALERT_PHASH_THRESHOLD', 'ten'],
    ['PALERMO_ALERT_PHASH_THRESHOLD', '9'.repeat(400)],
  ])('refuses %s=%j naming the variable', (name, raw) => {
    expect(() => loadAlertsConfig({ [name]: raw })).toThrow(new RegExp(`^${name}=`));
  });
});
