import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigImportPolicy } from '@palermo/policy';
import { loadNodeConfig } from '../../apps/node/src/config/node.config';

const dir = join(__dirname, '../../deploy/policies');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

const indicator = (type: string, tlp: string, confidence: number) => ({
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  origin: 'xx-partner',
  version: 1,
  type,
  value: 'x',
  tlp,
  confidence,
  tags: [],
  firstSeen: '2026-01-01T00:00:00.000Z',
  lastSeen: '2026-01-01T00:00:00.000Z',
  validUntil: null,
  modifiedAt: '2026-01-01T00:00:00.000Z',
});

describe('sample policies in deploy/policies', () => {
  it('ships at least three', () => expect(files.length).toBeGreaterThanOrEqual(3));

  it.each(files)('%s loads as a node config and builds an import policy', (file) => {
    const config = loadNodeConfig({ PALERMO_CONFIG: join(dir, file) });
    expect(() => new ConfigImportPolicy(config.import.policy)).not.toThrow();
  });

  it('decide as their comments say', () => {
    const decide = (file: string, type: string, tlp: string, confidence = 90) => {
      const policy = new ConfigImportPolicy(loadNodeConfig({ PALERMO_CONFIG: join(dir, file) }).import.policy);
      const request = { indicator: indicator(type, tlp, confidence) as never, publisher: 'xx-partner', publisherJurisdiction: 'XX', audience: 'all' };
      return policy.decideImport([request])[0];
    };
    expect(decide('eu-data-minimization.yaml', 'phone', 'green')).toEqual({ action: 'accept-pseudonymized', reasons: ['import.pseudonymize-type'] });
    expect(decide('eu-data-minimization.yaml', 'url', 'red').action).toBe('reject');
    expect(decide('no-red.yaml', 'url', 'red').reasons).toContain('import.tlp-above-maximum');
    expect(decide('no-red.yaml', 'url', 'green', 10).reasons).toContain('import.confidence-below-minimum');
    expect(decide('narrow-types.yaml', 'phone', 'green').reasons).toEqual(['import.type-not-allowed']);
    expect(decide('narrow-types.yaml', 'domain', 'green')).toEqual({ action: 'accept', reasons: ['import.default-accept'] });
  });
});
