import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';

// nl-police has an agreement with de-bka only, although it has pinned us-hsi's key too (and us-hsi
// has agreed with nl-police): trusting a partner's signatures, or the partner's own agreement, must
// not widen what nl-police sends to it. us-hsi gets nl-police's community chain (TLP:CLEAR) only.
let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: 'nl-police', jurisdiction: 'NL', agreements: [{ partner: 'de-bka' }] },
    { nodeId: 'de-bka', jurisdiction: 'DE' },
    { nodeId: 'us-hsi', jurisdiction: 'US' },
  ]);
  [nl, de, us] = [fed.node('nl-police'), fed.node('de-bka'), fed.node('us-hsi')];
});

afterAll(async () => {
  await fed?.stop();
});

async function publish(indicators: object[]): Promise<string[]> {
  const res = await nl.api('POST', '/indicators', { body: { indicators } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.items.map((i: { id: string }) => i.id);
}

const found = async (node: TestNode, id: string) => (await node.api('GET', `/indicators/${id}`, { role: 'auditor' })).status === 200;

describe('export scope', () => {
  it('sends GREEN and AMBER only to the partner with an agreement; CLEAR reaches every pinned partner on the community chain', async () => {
    const [clear, green, amber] = await publish([
      { type: 'domain', value: 'scope-clear.example', tlp: 'clear', confidence: 80 },
      { type: 'domain', value: 'scope-green.example', tlp: 'green', confidence: 80 },
      { type: 'domain', value: 'scope-amber.example', tlp: 'amber', confidence: 80 },
    ]);
    await eventually('de-bka to import all three', async () => (await found(de, clear!)) && (await found(de, green!)) && (await found(de, amber!)));
    await eventually('us-hsi to import the clear one', () => found(us, clear!));
    // By then the green and amber ones (published in the same pass) would have arrived too.
    expect(await found(us, green!)).toBe(false);
    expect(await found(us, amber!)).toBe(false);
    const out = await nl.api('GET', '/bundles?direction=out&limit=500', { role: 'auditor' });
    const audiences = new Set(out.body.items.map((b: { audience: string }) => b.audience));
    expect([...audiences].sort()).toEqual(['all', 'de-bka']);
    // No decision was even made for us-hsi: without an agreement it is no audience of nl-police.
    for (const id of [clear, green, amber]) {
      const shown = await nl.api('GET', `/indicators/${id}`, { role: 'auditor' });
      expect(shown.body.exportDecisions.map((d: { audience: string }) => d.audience)).not.toContain('us-hsi');
    }
  });

  it('revokes an indicator at every partner even after its TLP was raised above what they may see', async () => {
    const [id] = await publish([{ type: 'domain', value: 'raised-later.example', tlp: 'clear', confidence: 80 }]);
    for (const node of [de, us]) await eventually(`${node.nodeId} to import it`, () => found(node, id!));
    // Raised to RED: the new version stays home; then revoked as a false positive.
    const raised = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'domain', value: 'raised-later.example', tlp: 'red', confidence: 80 }] } });
    expect(raised.body.items[0]).toMatchObject({ id, status: 'updated' });
    expect((await nl.api('POST', `/indicators/${id}/revoke`, { body: { reason: 'false positive: victim support line' } })).status).toBe(200);
    for (const node of [de, us]) {
      const revoked = await eventually(`${node.nodeId} to learn of the revocation`, async () => {
        const res = await node.api('GET', `/indicators/${id}`, { role: 'auditor' });
        return res.body?.indicator?.revokedAt ? res.body.indicator : undefined;
      });
      // The reason may describe the RED version: it stays home.
      expect(revoked.tlp).toBe('clear');
      expect(JSON.stringify(revoked)).not.toContain('victim support line');
    }
  });
});
