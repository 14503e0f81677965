import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@palermo/testing';
import { createToken } from '../../apps/cli/src/commands/tokens.command';
import { runCli } from './support/cli.run';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { insertPseudonymOnlyIndicator } from './support/stix.stored-rows';
import { stixSchemaErrors as stixSchemaProblems } from '../fixtures/stix2.1-json-schemas/stix-schema.validator';

// GET /api/v1/stix/bundle and `palermo stix export`: a streamed STIX 2.1 bundle that validates
// against the official schemas, with identities, markings, revocations and imported indicators.

type Bundle = { type: string; id: string; objects: any[] };

const EVERY_TYPE = [
  { type: 'phone', value: '+31612345678', tlp: 'green' },
  { type: 'email', value: 'recruiter@example.org', tlp: 'amber' },
  { type: 'username', value: 'jobs4u', platform: 'telegram', tlp: 'green' },
  { type: 'url', value: 'https://ads.example.org/escort/123', tlp: 'clear' },
  { type: 'domain', value: 'example-jobs.org', tlp: 'clear' },
  { type: 'ip', value: '198.51.100.7', tlp: 'green' },
  { type: 'ip', value: '2001:db8::7', tlp: 'green' },
  { type: 'crypto-wallet', value: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT', chain: 'btc', tlp: 'amber' },
  { type: 'iban', value: 'NL91ABNA0417164300', tlp: 'amber+strict' },
  { type: 'keyword', value: "new girls 'fresh' in town", tlp: 'red' },
  { type: 'file-sha256', value: 'a'.repeat(64), tlp: 'green' },
  { type: 'text-fingerprint', value: 'simhash64:0123456789abcdef', tlp: 'green' },
  { type: 'image-hash', value: `pdq:${'f'.repeat(64)}`, tlp: 'green' },
].map((i) => ({ ...i, tags: ['ht:recruitment', 'e2e:stix-export'], description: 'seen in an ad "quoted" \\ back' }));

const palermo = (args: string[]) => runCli(args, { cwd: tempDir('palermo-stix-cli-') });

describe('STIX 2.1 export', () => {
  let fed: Federation;
  let nl: TestNode;
  let de: TestNode;
  let partnerToken: string;
  let revokedId: string;

  async function exportBundle(node: TestNode, query = '', token?: string): Promise<{ status: number; bundle: Bundle; headers: Headers; text: string }> {
    const res = await fetch(`${node.url}/api/v1/stix/bundle${query}`, { headers: { authorization: `Bearer ${token ?? node.tokens.analyst}` } });
    const text = await res.text();
    let bundle = {} as Bundle;
    try {
      bundle = JSON.parse(text) as Bundle;
    } catch {
      // asserted by the caller
    }
    return { status: res.status, bundle, headers: res.headers, text };
  }
  const indicators = (b: Bundle) => b.objects.filter((o) => o.type === 'indicator');

  beforeAll(async () => {
    fed = await bootFederation([
      { nodeId: 'nl-police', jurisdiction: 'NL' },
      { nodeId: 'de-bka', jurisdiction: 'DE' },
    ]);
    nl = fed.node('nl-police');
    de = fed.node('de-bka');
    partnerToken = await createToken({ dataDir: nl.dataDir }, 'partner', 'de-bka reader', 'de-bka');
    const res = await nl.api('POST', '/indicators', { body: { indicators: EVERY_TYPE } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    revokedId = res.body.items[0].id;
    expect((await nl.api('POST', `/indicators/${revokedId}/revoke`, { body: { reason: 'number reassigned' } })).status).toBe(200);
  });
  afterAll(async () => {
    await fed?.stop();
  });

  it('exports every indicator type, each object valid against the official STIX 2.1 schemas', async () => {
    const { status, bundle, headers } = await exportBundle(nl);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/stix+json;version=2.1');
    expect(bundle).toMatchObject({ type: 'bundle', id: expect.stringMatching(/^bundle--[0-9a-f-]{36}$/) });
    expect(stixSchemaProblems(bundle as never)).toEqual([]);
    expect(bundle.objects.flatMap(stixSchemaProblems)).toEqual([]);
    const exported = indicators(bundle);
    expect(exported.map((o) => o.x_palermo_type).sort()).toEqual(EVERY_TYPE.map((i) => i.type).sort());
    // Every reference resolves inside the bundle: identities and TLP marking definitions come with it.
    const ids = new Set(bundle.objects.map((o) => o.id));
    for (const o of exported) {
      expect(ids.has(o.created_by_ref)).toBe(true);
      for (const m of o.object_marking_refs) expect(ids.has(m)).toBe(true);
    }
    expect(bundle.objects.filter((o) => o.type === 'marking-definition')).toHaveLength(5);
    expect(bundle.objects.filter((o) => o.type === 'identity').map((o) => o.name)).toEqual(['nl-police']);
    const revoked = exported.find((o) => o.x_palermo_id === revokedId);
    expect(revoked).toMatchObject({ revoked: true, x_palermo_version: 2 });
    expect(exported.filter((o) => o.revoked)).toHaveLength(1);
  });

  it('exports imported indicators with their origin, and leaves out what is held only as a pseudonym', async () => {
    await eventually('de-bka to import what nl-police shared', async () => indicators((await exportBundle(de)).bundle).length > 0);
    await insertPseudonymOnlyIndicator(de.database!.url, 'nl-police', '01900000-0000-7000-8000-0000000000aa');
    // A sighting of it would name an indicator the bundle leaves out, and tell that de-bka holds it.
    const sighted = await de.api('POST', '/indicators/01900000-0000-7000-8000-0000000000aa/sightings', { body: { count: 1, note: 'pseudonym hit' } });
    expect(sighted.status, JSON.stringify(sighted.body)).toBe(201);
    const { bundle, headers } = await exportBundle(de);
    expect(headers.get('x-palermo-pseudonym-only-withheld')).toBe('2');
    expect(bundle.objects.filter((o) => o.type === 'sighting')).toEqual([]);
    expect(bundle.objects.flatMap(stixSchemaProblems)).toEqual([]);
    const imported = indicators(bundle);
    expect(imported.every((o) => o.x_palermo_origin === 'nl-police')).toBe(true);
    expect(imported.some((o) => o.x_palermo_id === '01900000-0000-7000-8000-0000000000aa')).toBe(false);
    expect(bundle.objects.filter((o) => o.type === 'identity').map((o) => o.name).sort()).toEqual(['de-bka', 'nl-police']);
  });

  it('exports this node\'s sightings, marked like what they sighted, and only in the local collection', async () => {
    const email = (await nl.api('GET', '/indicators?type=email&value=recruiter@example.org')).body.items[0];
    const recorded = await nl.api('POST', `/indicators/${email.id}/sightings`, { body: { count: 3, note: 'seen on a job board' } });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    const { bundle } = await exportBundle(nl);
    const sightings = bundle.objects.filter((o) => o.type === 'sighting');
    expect(sightings).toHaveLength(1);
    const target = indicators(bundle).find((o) => o.x_palermo_id === email.id);
    expect(sightings[0]).toMatchObject({ count: 3, sighting_of_ref: target.id, object_marking_refs: target.object_marking_refs });
    expect(sightings.flatMap(stixSchemaProblems)).toEqual([]);
    expect((await exportBundle(nl, '', partnerToken)).bundle.objects.filter((o) => o.type === 'sighting')).toEqual([]);
  });

  it('exports only what was added after `since`', async () => {
    const before = new Date(Date.now() - 1).toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const res = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'keyword', value: 'after-since', tlp: 'green' }] } });
    expect(res.status).toBe(201);
    const later = indicators((await exportBundle(nl, `?since=${before}`)).bundle);
    expect(later.map((o) => o.name)).toEqual(['after-since']);
  });

  it('gives a partner token its own feed, and nothing else', async () => {
    const own = await exportBundle(nl, '', partnerToken);
    expect(own.status).toBe(200);
    const sentToDe = indicators(own.bundle);
    expect(sentToDe.length).toBeGreaterThan(0);
    // TLP:RED and TLP:AMBER+STRICT never leave the node (baseline policy): not in what de-bka was sent.
    const restricted = ['marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003'];
    expect(sentToDe.filter((o) => restricted.includes(o.object_marking_refs[0]))).toEqual([]);
    expect(own.bundle.objects.flatMap(stixSchemaProblems)).toEqual([]);
    expect((await exportBundle(nl, '?collection=local', partnerToken)).status).toBe(404);
    expect((await exportBundle(nl, '?collection=us-hsi', partnerToken)).status).toBe(404);
  });

  it('exports `local` to the readers of GET /indicators only (not to the operator)', async () => {
    expect((await exportBundle(nl, '', nl.tokens['policy-officer'])).status).toBe(200);
    expect((await exportBundle(nl, '', nl.tokens.auditor)).status).toBe(200);
    expect((await exportBundle(nl, '', nl.tokens.admin)).status).toBe(404);
    expect((await exportBundle(nl, '?collection=all', nl.tokens.admin)).status).toBe(200);
  });

  it('refuses bad input with the API error shape', async () => {
    for (const q of ['?since=yesterday', '?since=2026-02-31T00:00:00', '?collection=../etc', '?collection=local&x=1']) {
      const res = await exportBundle(nl, q);
      expect(res.status, q).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    expect((await exportBundle(nl, '?collection=nowhere')).status).toBe(404);
    const anonymous = await fetch(`${nl.url}/api/v1/stix/bundle`);
    expect(anonymous.status).toBe(401);
  });

  it('`palermo stix export` streams the same bundle to a file, and fails clearly', async () => {
    const out = join(tempDir('palermo-stix-out-'), 'nl.json');
    const run = await palermo(['stix', 'export', '--out', out, '--api', nl.url, '--token', nl.tokens.analyst]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const fromCli = JSON.parse(readFileSync(out, 'utf8')) as Bundle;
    const fromApi = (await exportBundle(nl)).bundle;
    expect(fromCli.objects.map((o) => `${o.id}@${o.modified ?? ''}`)).toEqual(fromApi.objects.map((o) => `${o.id}@${o.modified ?? ''}`));
    const toStdout = await palermo(['stix', 'export', '--since', new Date().toISOString(), '--api', nl.url, '--token', nl.tokens.analyst]);
    expect(toStdout.code).toBe(0);
    expect(indicators(JSON.parse(toStdout.stdout) as Bundle)).toEqual([]);
    const bad = await palermo(['stix', 'export', '--collection', 'nowhere', '--api', nl.url, '--token', nl.tokens.analyst]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/COLLECTION_NOT_FOUND/);
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });
});
