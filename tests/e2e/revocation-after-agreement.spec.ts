import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, currentAgreement, holds, publish, rawBundle, outbound } from './support/agreements.probes';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';

// A partner that received an indicator keeps it after its agreement ends (retention is its own
// agreement's business). When the origin later revokes it, the correction must still reach that
// partner: a revocation-only bundle (the id and a generic reason, no data) goes where nothing else may.

const A = 'nl-police';
const B = 'de-bka';

let fed: Federation;
let nl: TestNode;
let de: TestNode;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE' },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
});

afterAll(async () => fed?.stop());

describe('revocations after an agreement ended', () => {
  it('reach the partner that holds the indicator, without the reason and without anything else', async () => {
    const [kept] = await publish(nl, [{ type: 'email', value: 'recruiter-kept@example.org', tlp: 'green', confidence: 80, tags: ['ht:recruitment'] }]);
    await eventually(`${B} to import ${kept}`, () => holds(de, kept!));

    const agreement = await currentAgreement(nl, B);
    const ended = await command(nl, agreement.id, 'terminate', 'policy-officer', 'cooperation ended');
    expect(ended.status).toBe(200);
    const endedAt = Date.parse(ended.body.updatedAt);
    const [after] = await publish(nl, [{ type: 'email', value: 'published-after-the-end@example.org', tlp: 'green', confidence: 80, tags: [] }]);
    const revoked = await nl.api('POST', `/indicators/${kept}/revoke`, { body: { reason: 'informant Jane Doe retracted the statement' } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);

    await eventually(`${B} to learn that ${kept} is revoked`, async () => {
      const res = await de.api('GET', `/indicators/${kept}`, { role: 'auditor' });
      return res.status === 200 && res.body.indicator.revokedAt !== null;
    });
    // What went to de-bka after the end: revocations only, with the generic reason, recorded as such.
    const sinceEnd = (await outbound(nl, B)).filter((b) => b.publishedAt !== null && Date.parse(b.publishedAt) > endedAt);
    expect(sinceEnd.length).toBeGreaterThan(0);
    for (const b of sinceEnd) {
      const raw = await rawBundle(nl, b.hash);
      expect(raw.entries).toEqual([{ op: 'revoke', id: kept, reason: 'revoked by the origin' }]);
      const decisions = (await nl.api('GET', `/bundles/${b.hash}/decisions`, { role: 'auditor' })).body.items;
      expect(decisions).toEqual([expect.objectContaining({ action: 'revoke', agreementId: null, reasons: ['export.revoked-by-origin', 'export.revocation-without-agreement'] })]);
    }
    expect(await holds(de, after!)).toBe(false);
  });
});
