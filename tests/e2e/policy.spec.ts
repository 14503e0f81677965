import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT } from '@palermo/policy';
import { repoRoot } from '@palermo/testing';
import { currentAgreement, holds, inbound, publish, rawBundle } from './support/agreements.probes';
import { bootFederation, eventually, OFFICER_NAMES, type Federation, type TestNode } from './support/federation.harness';
import { run } from './support/hostile.node-io';

// The policy lifecycle on a real importer (de-bka) fed by a real publisher (nl-police): an invalid
// policy is refused with positions and changes nothing; a simulation with the live policy gives the
// decisions the importer recorded; a candidate's simulated changes are exactly what the live
// importer does once the candidate is stored. And the CLI an officer uses for the same.

const A = 'nl-police';
const B = 'de-bka';
const CLI = join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');
// The operator's shell must not point the CLI at some other node.
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PALERMO_') && k !== 'DATABASE_URL'));
const palermo = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: CLEAN_ENV });

const ACCEPTED = ['default.import', 'default.import-raw'];

/** de-bka's candidate: ignore weak indicators, keep e-mail addresses as pseudonyms only. */
const CANDIDATE = `${DEFAULT_POLICY_TEXT}
// de-bka ignores weak indicators.
@id("de.min-confidence")
forbid (principal, action in [Palermo::Action::"import", Palermo::Action::"importRaw"], resource)
when { resource.confidence < 50 };

// E-mail addresses name people: de-bka keeps them as keyed pseudonyms only.
@id("de.pseudonymize-email")
forbid (principal, action == Palermo::Action::"importRaw", resource)
when { resource.type == "email" };
`;

/** An independent reading of CANDIDATE for what nl-police sends (an active open agreement, TLP ≤ AMBER). */
function candidateDecision(e: { type: string; confidence: number }): { action: string; reasons: string[] } {
  if (e.confidence < 50) return { action: 'reject', reasons: ['de.min-confidence'] };
  if (e.type === 'email') return { action: 'accept-pseudonymized', reasons: ['default.import', 'de.pseudonymize-email'] };
  return { action: 'accept', reasons: ACCEPTED };
}

/** A draft with two mistakes: an attribute that does not exist (line 7), a policy without @id (line 9). */
const INVALID = [
  "// an officer's draft with two mistakes",
  '@id("de.permit-import")',
  'permit (principal, action == Palermo::Action::"import", resource);',
  '',
  '@id("de.typo")',
  'forbid (principal, action == Palermo::Action::"importRaw", resource)',
  'when { resource.tpye == "phone" };',
  '',
  'permit (principal, action == Palermo::Action::"share", resource);',
  '',
].join('\n');

/** The facts nl-police publishes in every round (the values differ per round). */
const MIX = [
  { type: 'email', tlp: 'green', confidence: 95 },
  { type: 'email', tlp: 'green', confidence: 30 },
  { type: 'keyword', tlp: 'green', confidence: 95 },
  { type: 'keyword', tlp: 'amber', confidence: 30 },
  { type: 'phone', tlp: 'amber', confidence: 95 },
  { type: 'domain', tlp: 'clear', confidence: 95 },
  { type: 'domain', tlp: 'clear', confidence: 30 },
  { type: 'email', tlp: 'clear', confidence: 70 },
] as const;
const factKey = (e: { type: string; tlp: string; confidence: number }) => `${e.type}/${e.tlp}/${e.confidence}`;

function round(tag: string, part?: 0 | 1) {
  const items = MIX.map((m, i) => {
    const value = m.type === 'email' ? `r-${tag}-${i}@policy.example` : m.type === 'phone' ? `+3161${String(Math.abs(hash(tag)) % 10_000).padStart(4, '0')}${i}00` : m.type === 'domain' ? `r-${tag}-${i}.policy.example` : `round ${tag} ${i}`;
    return { type: m.type, value, tlp: m.tlp, confidence: m.confidence, tags: ['ht:recruitment'] };
  });
  return part === undefined ? items : items.filter((_, i) => i % 2 === part);
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let dir: string;

/** Publishes on nl-police and waits until de-bka decided on every one of them (accepted or not). */
async function publishAndDecide(items: object[]): Promise<string[]> {
  const ids = await publish(nl, items);
  await eventually(`${B} to decide on ${ids.length} indicator(s)`, async () => {
    const decided = new Set<string>();
    for (const audience of [B, 'all']) {
      for (const b of await inbound(de, A, audience)) {
        for (const d of (await de.api('GET', `/bundles/${b.hash}/decisions`, { role: 'auditor' })).body.items) decided.add(d.originId);
      }
    }
    return ids.every((id) => decided.has(id));
  });
  return ids;
}

/** de-bka's recorded decision per origin id, with its bundle. */
async function recordedDecisions(): Promise<Map<string, { action: string; reasons: string[]; policyVersion: number; bundleHash: string }>> {
  const out = new Map();
  for (const audience of [B, 'all']) {
    for (const b of await inbound(de, A, audience)) {
      for (const d of (await de.api('GET', `/bundles/${b.hash}/decisions`, { role: 'auditor' })).body.items) out.set(d.originId, { ...d, bundleHash: b.hash });
    }
  }
  return out;
}

const simulate = async (body: object, role: 'policy-officer' | 'auditor' = 'policy-officer') => {
  const res = await de.api('POST', '/policy/simulate', { role, body });
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
  return res.body;
};
const entriesOf = (sim: any): any[] => sim.bundles.flatMap((b: any) => b.entries);

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE' },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
  dir = mkdtempSync(join(tmpdir(), 'palermo-policy-'));
  // Two export passes: two bundles on each of de-bka's chains from nl-police.
  await publishAndDecide(round('zero', 0));
  await publishAndDecide(round('zero', 1));
});

afterAll(async () => {
  await fed?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('simulate and live give identical decisions', () => {
  it('the live policy, re-run on the last received bundles, decides exactly as the importer recorded (zero changed)', async () => {
    const recorded = await recordedDecisions();
    const sim = await simulate({ last: 50 });
    const active = (await de.api('GET', '/policy', { role: 'auditor' })).body;
    expect(sim.live).toEqual({ version: active.version, sha256: active.sha256 });
    expect(sim.candidate).toBeNull();
    const entries = entriesOf(sim);
    expect(entries).toHaveLength(recorded.size);
    expect(sim.summary).toMatchObject({ bundles: (await inbound(de, A, B)).length + (await inbound(de, A, 'all')).length, entries: recorded.size, changed: 0 });
    for (const e of entries) {
      const r = recorded.get(e.originId)!;
      expect(e.recorded, e.originId).toEqual({ action: r.action, reasons: r.reasons, policyVersion: 1 });
      expect(e.live, e.originId).toEqual({ action: r.action, reasons: r.reasons });
      expect(e.changed).toBe(false);
    }
    // An auditor may run the same simulation.
    expect((await simulate({ last: 50 }, 'auditor')).summary.changed).toBe(0);
  });
});

describe('an invalid policy is refused with positions and changes nothing', () => {
  it('PUT answers 422 POLICY_INVALID with line and column for every problem; policy, versions and decisions stay as they were', async () => {
    const before = { active: (await de.api('GET', '/policy', { role: 'auditor' })).body, versions: (await de.api('GET', '/policy/versions', { role: 'auditor' })).body };
    const res = await de.api('PUT', '/policy', { role: 'policy-officer', body: { text: INVALID, comment: 'has mistakes' } });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('POLICY_INVALID');
    const problems = res.body.error.details.problems as { line: number; column: number; message: string; severity: string }[];
    for (const p of problems) {
      expect(p).toEqual(expect.objectContaining({ line: expect.any(Number), column: expect.any(Number), message: expect.any(String), severity: expect.stringMatching(/^(error|warning)$/) }));
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
    }
    // The unknown attribute on line 7 (where `resource.tpye` is), the policy without @id at 9:1.
    expect([...new Set(problems.map((p) => p.line))].sort()).toEqual([7, 9]);
    const typo = problems.find((p) => p.line === 7)!;
    expect(typo.column).toBe(INVALID.split('\n')[6]!.indexOf('resource.tpye') + 1);
    expect(typo.message).toMatch(/tpye/);
    expect(problems.find((p) => p.line === 9)).toMatchObject({ column: 1, message: expect.stringMatching(/@id/) });
    // validate reports the same problems without storing anything.
    expect(await de.api('POST', '/policy/validate', { role: 'policy-officer', body: { text: INVALID } })).toMatchObject({ status: 200, body: { valid: false, problems } });

    expect((await de.api('GET', '/policy', { role: 'auditor' })).body).toEqual(before.active);
    expect((await de.api('GET', '/policy/versions', { role: 'auditor' })).body).toEqual(before.versions);
    // The live importer still decides with version 1.
    const [id] = await publishAndDecide([{ type: 'email', value: 'after-invalid@policy.example', tlp: 'green', confidence: 30 }]);
    expect((await recordedDecisions()).get(id!)).toMatchObject({ action: 'accept', reasons: ACCEPTED, policyVersion: 1 });
  });

  it.each([
    ['an empty text', { text: '' }, 400],
    ['no text', {}, 400],
    ['an unknown field', { text: DEFAULT_POLICY_TEXT, author: 'someone else' }, 400],
    ['a reserved id', { text: '@id("baseline.mine")\npermit (principal, action, resource);\n' }, 422],
    ['a syntax error', { text: '@id("x")\npermit (principal action, resource);\n' }, 422],
  ])('refuses %s and keeps version 1 active', async (_name, body, status) => {
    const res = await de.api('PUT', '/policy', { role: 'policy-officer', body });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (status === 422) expect(res.body.error.details.problems[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect((await de.api('GET', '/policy', { role: 'auditor' })).body.version).toBe(1);
  });
});

describe('a candidate policy: simulated, then stored, then live', () => {
  let predicted: Map<string, { action: string; reasons: string[] }>;

  it('simulating the candidate on the received bundles shows exactly the changes an independent reading of it expects, and stores nothing', async () => {
    const recorded = await recordedDecisions();
    const sim = await simulate({ policy: CANDIDATE, last: 50 });
    expect(sim.candidate).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const entries = entriesOf(sim);
    expect(entries).toHaveLength(recorded.size);
    predicted = new Map();
    let expectedChanged = 0;
    for (const e of entries) {
      const expected = candidateDecision(e);
      expect(e.live, e.originId).toEqual({ action: recorded.get(e.originId)!.action, reasons: recorded.get(e.originId)!.reasons });
      expect(e.candidate, `${factKey(e)} ${e.originId}`).toEqual(expected);
      const changed = expected.action !== e.live.action || expected.reasons.join() !== e.live.reasons.join();
      expect(e.changed, factKey(e)).toBe(changed);
      if (changed) expectedChanged++;
      predicted.set(factKey(e), e.candidate);
    }
    expect(expectedChanged).toBeGreaterThan(0);
    expect(sim.summary.changed).toBe(expectedChanged);
    console.log(`[policy] candidate simulated on ${entries.length} recorded decisions: ${expectedChanged} would change`);
    expect((await de.api('GET', '/policy/versions', { role: 'auditor' })).body.items).toHaveLength(1);
  });

  it('PUT stores it as version 2 with its author and comment; version 1 stays readable', async () => {
    const res = await de.api('PUT', '/policy', { role: 'policy-officer-2', body: { text: CANDIDATE, comment: 'minimum confidence; e-mail as pseudonyms' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ version: 2, active: true, author: { name: OFFICER_NAMES[1] }, comment: 'minimum confidence; e-mail as pseudonyms', text: CANDIDATE });
    const active = (await de.api('GET', '/policy', { role: 'auditor' })).body;
    expect(active).toMatchObject({ version: 2, author: { name: OFFICER_NAMES[1] } });
    const versions = (await de.api('GET', '/policy/versions', { role: 'auditor' })).body.items;
    expect(versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(versions[1]).toMatchObject({ author: null });
    const first = await de.api('GET', '/policy/versions/1', { role: 'auditor' });
    expect(first.body).toMatchObject({ version: 1, text: DEFAULT_POLICY_TEXT, active: false });
    expect((await de.api('GET', '/policy/versions/3', { role: 'auditor' })).status).toBe(404);
  });

  it('the live importer decides a new bundle exactly as the simulation predicted, and a simulation of that bundle repeats the recorded decisions', async () => {
    const ids = await publishAndDecide(round('live'));
    const recorded = await recordedDecisions();
    const mix = round('live');
    ids.forEach((id, i) => {
      const r = recorded.get(id)!;
      expect({ action: r.action, reasons: r.reasons }, `${factKey(mix[i]!)}`).toEqual(predicted.get(factKey(mix[i]!)));
      expect(r.policyVersion).toBe(2);
    });
    // Some e-mail is now kept as a pseudonym only; a weak one not at all.
    const email = ids[MIX.findIndex((m) => m.type === 'email' && m.confidence === 95)]!;
    expect((await de.api('GET', `/indicators/${email}`)).body.indicator).toMatchObject({ value: null, pseudonym: expect.stringMatching(/^hmac-sha256:/) });
    expect(await holds(de, ids[MIX.findIndex((m) => m.confidence === 30)]!)).toBe(false);

    // The same bundles, given to the simulator as bytes (as a partner sent them), decide as recorded.
    const hashes = [...new Set(ids.map((id) => recorded.get(id)!.bundleHash))];
    for (const hash of hashes) {
      const sim = await simulate({ bundle: await rawBundle(nl, hash) });
      expect(sim.bundles).toHaveLength(1);
      for (const e of sim.bundles[0].entries) {
        const r = recorded.get(e.originId)!;
        expect(e.live, e.originId).toEqual({ action: r.action, reasons: r.reasons });
        expect(e.recorded).toBeNull();
      }
    }
    // Over the whole history: what version 2 decided is unchanged, what version 1 decided changes exactly where the candidate differs.
    const sim = await simulate({ last: 50 });
    for (const e of entriesOf(sim)) {
      if (e.recorded.policyVersion === 2) expect(e.changed, e.originId).toBe(false);
      else expect(e.live, e.originId).toEqual(candidateDecision(e));
    }
  });

  it('an agreement change is part of the input: simulate sees the suspension the importer would', async () => {
    const agreement = await currentAgreement(de, A);
    expect((await de.api('POST', `/agreements/${agreement.id}/suspend`, { role: 'policy-officer', body: { reason: 'simulate' } })).status).toBe(200);
    try {
      const sim = await simulate({ last: 1 });
      for (const e of entriesOf(sim)) {
        expect(e.live.action).toBe('reject');
        expect(e.live.reasons).toContain('baseline.agreement-not-active');
      }
    } finally {
      expect((await de.api('POST', `/agreements/${agreement.id}/resume`, { role: 'policy-officer-2', body: {} })).status).toBe(200);
    }
  });
});

describe('the palermo CLI of a policy officer', () => {
  it('policy validate FILE: exit 0 for a valid file, exit 1 with FILE:line:column for every problem', () => {
    const good = join(dir, 'candidate.cedar');
    const bad = join(dir, 'invalid.cedar');
    writeFileSync(good, CANDIDATE);
    writeFileSync(bad, INVALID);
    const ok = palermo('policy', 'validate', good);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`${good}: valid\n`);
    const refused = palermo('policy', 'validate', bad);
    expect(refused.status, refused.stderr).toBe(1);
    const lines = refused.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: (error|warning): `));
    expect(lines.some((l) => l.startsWith(`${bad}:7:`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${bad}:9:1:`))).toBe(true);
    const missing = palermo('policy', 'validate', join(dir, 'nope.cedar'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.cedar: no such file/);
  });

  it('policy show schema|baseline|default prints what a policy is written against; the default validates', () => {
    const schema = palermo('policy', 'show', 'schema');
    expect(schema.status, schema.stderr).toBe(0);
    expect(schema.stdout).toContain('namespace Palermo');
    expect(palermo('policy', 'show', 'baseline').stdout).toContain('@id("baseline.community-clear-only")');
    const fallback = join(dir, 'default.cedar');
    writeFileSync(fallback, palermo('policy', 'show', 'default').stdout);
    expect(palermo('policy', 'validate', fallback).status).toBe(0);
    expect(palermo('policy', 'show', 'everything').status).toBe(2);
  });

  it('policy simulate --api --token: the live policy against the recorded decisions, and a candidate as JSON', () => {
    const live = palermo('policy', 'simulate', '--api', de.url, '--token', de.officers[0], '--last', '1');
    expect(live.status, live.stderr).toBe(0);
    expect(live.stdout.split('\n')[0]).toMatch(/^live v2 vs recorded: 0 of \d+ decision\(s\) would change in 1 bundle\(s\)$/);
    const candidateFile = join(dir, 'stricter.cedar');
    writeFileSync(candidateFile, `${CANDIDATE}\n@id("de.no-keywords")\nforbid (principal, action == Palermo::Action::"import", resource) when { resource.type == "keyword" };\n`);
    const asJson = palermo('policy', 'simulate', '--api', de.url, '--token', de.tokens.auditor, '--policy', candidateFile, '--last', '50', '--json');
    expect(asJson.status, asJson.stderr).toBe(0);
    const result = JSON.parse(asJson.stdout);
    const entries = entriesOf(result);
    const keywords = entries.filter((e) => e.type === 'keyword');
    expect(keywords.length).toBeGreaterThan(0);
    for (const e of keywords) {
      expect(e.candidate.action).toBe('reject');
      expect(e.candidate.reasons).toContain('de.no-keywords');
      expect(e.changed).toBe(true);
    }
    for (const e of entries.filter((x) => x.type !== 'keyword')) expect(e.changed, `${e.type} ${e.originId}`).toBe(false);
    expect(result.summary.changed).toBe(keywords.length);
    const analyst = palermo('policy', 'simulate', '--api', de.url, '--token', de.tokens.analyst);
    expect(analyst.status).toBe(1);
    expect(analyst.stderr).toMatch(/AUTH_FORBIDDEN/);
  });

  it('agreements list and show: what de-bka agreed with whom, drafted and approved by whom', () => {
    const list = palermo('agreements', 'list', '--api', de.url, '--token', de.tokens.auditor);
    expect(list.status, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [id, partner, state] = lines[0]!.split(/\s+/);
    expect([partner, state]).toEqual([A, 'active']);
    const shown = palermo('agreements', 'show', id!, '--api', de.url, '--token', de.officers[1]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`agreement ${id} with ${A}: active (in effect: active)`);
    expect(shown.stdout).toMatch(new RegExp(`drafted by +${OFFICER_NAMES[0]}, approved by ${OFFICER_NAMES[1]}\n`));
    for (const action of ['agreement.created', 'agreement.approve', 'agreement.suspend', 'agreement.resume']) expect(shown.stdout).toContain(action);
    const json = palermo('agreements', 'list', '--api', de.url, '--token', de.tokens.admin, '--state', 'suspended', '--json');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    const bad = palermo('agreements', 'show', 'not-an-id', '--api', de.url, '--token', de.tokens.auditor);
    expect(bad.status).toBe(2);
    const analyst = palermo('agreements', 'list', '--api', de.url, '--token', de.tokens.analyst);
    expect(analyst.status).toBe(1);
    expect(analyst.stderr).toMatch(/AUTH_FORBIDDEN/);
  });
});
