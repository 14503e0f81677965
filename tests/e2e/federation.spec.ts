import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundleBytes, readPublicKey, dearmorSignature, verifyDetached, type Bundle } from '@palermo/bundles';
import { feedStreamName } from '@palermo/federation';
import { DEFAULT_POLICY_TEXT } from '@palermo/policy';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { RawNatsClient } from './support/hostile.nats-wire';
import { getBytes, getBytesIfKept, listAll, psql, run } from './support/hostile.node-io';

// Three jurisdictions on one NATS, each pair under an active two-way agreement (openTerms(): every
// type up to TLP:AMBER): nl-police publishes; de-bka's policy keeps phone numbers only as pseudonyms;
// us-hsi's policy keeps only high-confidence indicators up to TLP:GREEN. The community chain `all`
// carries TLP:CLEAR only; GREEN and AMBER go on each partner's own chain.
const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';
const CLI = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;

/** de-bka: phone numbers from any partner are kept only as keyed pseudonyms. */
const DE_POLICY = `${DEFAULT_POLICY_TEXT}
// de-bka keeps phone numbers only as a keyed HMAC, whoever sends them.
@id("de.pseudonymize-phone")
forbid (principal, action == Palermo::Action::"importRaw", resource)
when { resource.type == "phone" };
`;
/** us-hsi: nothing below confidence 90, nothing above TLP:GREEN. */
const US_POLICY = `${DEFAULT_POLICY_TEXT}
@id("us.confidence-minimum")
forbid (principal, action in [Palermo::Action::"import", Palermo::Action::"importRaw"], resource)
when { resource.confidence < 90 };

@id("us.tlp-maximum")
forbid (principal, action in [Palermo::Action::"import", Palermo::Action::"importRaw"], resource)
when { resource.tlpRank > 1 };
`;
/** Reasons of a plain accept / share under the default policy. */
const ACCEPTED = ['default.import', 'default.import-raw'];
const SHARED = ['default.share', 'default.share-raw'];

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE', policy: DE_POLICY },
    { nodeId: C, jurisdiction: 'US', policy: US_POLICY },
  ]);
  [nl, de, us] = [fed.node(A), fed.node(B), fed.node(C)];
});

afterAll(async () => {
  await fed?.stop();
});

/** Publishes indicators on a node as its analyst; returns their ids in input order. */
async function publish(node: TestNode, indicators: object[]): Promise<string[]> {
  const res = await node.api('POST', '/indicators', { body: { indicators } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.items.map((i: { id: string }) => i.id);
}

/** A's outbound bundles with their bytes, oldest first. */
async function outboundBundles(node: TestNode): Promise<{ summary: any; bytes: Buffer; bundle: Bundle }[]> {
  const summaries = (await listAll(node, '/bundles?direction=out')).reverse();
  return Promise.all(
    summaries.map(async (summary) => {
      const bytes = await getBytes(node, `/bundles/${summary.hash}/raw`);
      const parsed = parseBundleBytes(bytes, { maxBytes: 8 * 1024 * 1024 });
      if (!parsed.ok) throw new Error(`${node.nodeId} exported a bundle that does not parse: ${parsed.code} ${parsed.message}`);
      return { summary, bytes, bundle: parsed.bundle };
    }),
  );
}

const carries = (bundle: Bundle, id: string) => bundle.entries.some((e) => (e.op === 'upsert' ? e.indicator.id : e.id) === id);

/** The outbound bundles of `node` that carry indicator `id` (waits until at least `count` exist). */
async function exportedWith(node: TestNode, id: string, count = 1) {
  return eventually(`${node.nodeId} to export ${id}`, async () => {
    const found = (await outboundBundles(node)).filter((b) => carries(b.bundle, id));
    return found.length >= count && found;
  });
}

/** The outbound bundle of `node` on `audience`'s chain that carries `id` (the newest, once there is one). */
async function exportedTo(node: TestNode, id: string, audience: string, not: string[] = []) {
  return eventually(`${node.nodeId} to export ${id} to ${audience}`, async () =>
    (await outboundBundles(node)).reverse().find((b) => b.summary.audience === audience && carries(b.bundle, id) && !not.includes(b.summary.hash)),
  );
}

/** Waits until `node` lists the inbound bundle `hash`, and returns its detail (with decisions). */
async function received(node: TestNode, hash: string) {
  await eventually(`${node.nodeId} to import bundle ${hash.slice(0, 12)}`, async () =>
    (await listAll(node, '/bundles?direction=in')).some((b) => b.hash === hash),
  );
  const detail = await node.api('GET', `/bundles/${hash}`);
  expect(detail.status).toBe(200);
  return detail.body;
}

describe('an indicator published in the Netherlands travels as one signed bundle', () => {
  it('TLP:CLEAR reaches de-bka and us-hsi on the community chain with the same bundle hash, and each partner decides by its own policy, with reasons', async () => {
    const [id] = await publish(nl, [
      { type: 'email', value: ' Recruiter.Jobs@Example.ORG ', tlp: 'clear', confidence: 60, tags: ['ht:recruitment'] },
    ]);
    const [out] = await exportedWith(nl, id!);
    expect(out!.summary).toMatchObject({ publisher: A, audience: 'all', signer: nl.fingerprint });

    // Both partners record the very same bundle: identical hash and chain position, signed by nl-police's key.
    const [inB, inC] = await Promise.all([received(de, out!.summary.hash), received(us, out!.summary.hash)]);
    for (const detail of [inB, inC]) {
      expect(detail).toMatchObject({ hash: out!.summary.hash, direction: 'in', publisher: A, audience: 'all', seq: out!.summary.seq, signer: nl.fingerprint });
    }
    // de-bka kept everything, so it keeps the bytes (byte-identical); us-hsi rejected a value, so it keeps only
    // the hash and the signature, and says so.
    expect(await getBytes(de, `/bundles/${out!.summary.hash}/raw`)).toEqual(out!.bytes);
    const notKept = await us.api('GET', `/bundles/${out!.summary.hash}/raw`, { role: 'auditor' });
    expect(notKept.status).toBe(410);
    expect(notKept.body.error.code).toBe('BUNDLE_BYTES_NOT_KEPT');
    const keptSignature = await dearmorSignature((await getBytes(us, `/bundles/${out!.summary.hash}/signature`)).toString('utf8'));
    expect(await verifyDetached(out!.bytes, keptSignature, await readPublicKey(nl.armoredPublicKey))).toEqual({ ok: true, fingerprint: nl.fingerprint });

    // The accepting and the rejecting decision are both on record, each with the rule that decided it.
    expect(inB.decisions).toEqual([expect.objectContaining({ originNode: A, originId: id, version: 1, action: 'accept', reasons: ACCEPTED })]);
    expect(inC.decisions).toEqual([expect.objectContaining({ originNode: A, originId: id, action: 'reject', reasons: ['us.confidence-minimum'] })]);
    expect(inC).toMatchObject({ acceptedCount: 0, rejectedCount: 1 });
    // The same decisions, with the policy version and the agreement they ran under, on GET /bundles/:hash/decisions.
    const agreementOfB = (await de.api('GET', `/agreements?partner=${A}&state=active`, { role: 'auditor' })).body.items[0];
    const decisionsOnB = await de.api('GET', `/bundles/${out!.summary.hash}/decisions`, { role: 'auditor' });
    expect(decisionsOnB.body).toMatchObject({ hash: out!.summary.hash, direction: 'in' });
    expect(decisionsOnB.body.items).toEqual([expect.objectContaining({ originId: id, action: 'accept', reasons: ACCEPTED, policyVersion: 1, agreementId: agreementOfB.id })]);
    // nl-police's record of why the entry went out: shared to `all` by the default policy.
    const whyOut = await nl.api('GET', `/bundles/${out!.summary.hash}/decisions`, { role: 'auditor' });
    expect(whyOut.body).toMatchObject({ direction: 'out', items: [expect.objectContaining({ audience: 'all', originId: id, action: 'share', reasons: SHARED, bundleHash: out!.summary.hash, entryIndex: 0 })] });

    // de-bka shows where the indicator came from and why it was kept.
    const onB = await de.api('GET', `/indicators/${id}`);
    expect(onB.status).toBe(200);
    expect(onB.body).toMatchObject({
      indicator: { id, origin: A, own: false, type: 'email', value: 'recruiter.jobs@example.org', version: 1, revokedAt: null },
      bundleHash: out!.summary.hash,
      decision: { action: 'accept', reasons: ACCEPTED, bundleHash: out!.summary.hash },
    });

    // us-hsi did not keep it: not listed, not retrievable.
    const listedOnC = await listAll(us, `/indicators?origin=${A}`, 'analyst');
    expect(listedOnC.map((i) => i.id)).not.toContain(id);
    const onC = await us.api('GET', `/indicators/${id}`);
    expect(onC.status).toBe(404);
    expect(onC.body.error.code).toBe('INDICATOR_NOT_FOUND');
  });

  it("verifies against nl-police's published key, on the partner's copy, offline with '@palermo/bundles' and the palermo CLI", async () => {
    const node = await nl.api('GET', '/node');
    expect(node.status).toBe(200);
    expect(node.body).toMatchObject({ nodeId: A, jurisdiction: 'NL', fingerprint: nl.fingerprint });
    const key = await readPublicKey(node.body.publicKey);
    const [first] = (await listAll(de, '/bundles?direction=in')).filter((b) => b.publisher === A);
    expect(first).toBeDefined();

    const bytes = await getBytes(de, `/bundles/${first.hash}/raw`);
    const armored = (await getBytes(de, `/bundles/${first.hash}/signature`)).toString('utf8');
    expect(armored).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    expect(await verifyDetached(bytes, await dearmorSignature(armored), key)).toEqual({ ok: true, fingerprint: nl.fingerprint });
    // One changed byte and the same signature no longer verifies.
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 2] ^= 0x01;
    expect(await verifyDetached(tampered, await dearmorSignature(armored), key)).toMatchObject({ ok: false, code: 'BUNDLE_SIGNATURE_INVALID' });

    const dir = mkdtempSync(join(tmpdir(), 'palermo-cli-verify-'));
    try {
      writeFileSync(join(dir, 'bundle.json'), bytes);
      writeFileSync(join(dir, 'sig.asc'), armored);
      writeFileSync(join(dir, 'key.asc'), node.body.publicKey);
      const cli = run(process.execPath, [CLI, 'bundle', 'verify', '--bundle', join(dir, 'bundle.json'), '--signature', join(dir, 'sig.asc'), '--key', join(dir, 'key.asc')]);
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout).toBe(`valid: ${A} → ${first.audience} seq ${first.seq}, sha256 ${first.hash}, signed by ${nl.fingerprint}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verifies with GnuPG 2.2: gpg --verify accepts the exported bundle and refuses a tampered copy', async () => {
    const [first] = await outboundBundles(nl);
    const armored = (await getBytes(nl, `/bundles/${first!.summary.hash}/signature`)).toString('utf8');
    const { publicKey } = (await nl.api('GET', '/node')).body;
    const home = mkdtempSync(join(tmpdir(), 'palermo-gpg-'));
    const gpg = (...args: string[]) =>
      run('gpg', ['--homedir', home, '--batch', '--no-autostart', '--status-fd', '1', ...args], { env: { ...process.env, LC_ALL: 'C', LANGUAGE: 'C' } });
    try {
      writeFileSync(join(home, 'bundle.json'), first!.bytes);
      writeFileSync(join(home, 'sig.asc'), armored);
      writeFileSync(join(home, 'key.asc'), publicKey);
      const imported = gpg('--import', join(home, 'key.asc'));
      expect(imported.status, imported.stderr).toBe(0);

      const verified = gpg('--verify', join(home, 'sig.asc'), join(home, 'bundle.json'));
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.stdout).toContain(`[GNUPG:] VALIDSIG ${nl.fingerprint.toUpperCase()}`);
      expect(verified.stderr).toContain(`Good signature from "${A} (palermo node, jurisdiction NL)"`);

      const tampered = Buffer.from(first!.bytes);
      tampered[10] ^= 0x01;
      writeFileSync(join(home, 'tampered.json'), tampered);
      const refused = gpg('--verify', join(home, 'sig.asc'), join(home, 'tampered.json'));
      expect(refused.status).toBe(1);
      expect(refused.stdout).toContain('[GNUPG:] BADSIG');
    } finally {
      run('gpgconf', ['--homedir', home, '--kill', 'all']);
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('each partner applies its own jurisdiction to what is sent on its own chain', () => {
  it('TLP:GREEN goes to each partner under its agreement, never on the community chain, and nl-police records why', async () => {
    const [id] = await publish(nl, [{ type: 'keyword', value: 'green per partner', tlp: 'green', confidence: 95, tags: ['ht:recruitment'] }]);
    const exported = await exportedWith(nl, id!, 2);
    expect(exported.map((b) => b.summary.audience).sort()).toEqual([B, C]);
    expect((await outboundBundles(nl)).filter((b) => b.summary.audience === 'all' && carries(b.bundle, id!))).toEqual([]);
    for (const [node, out] of [[de, exported.find((b) => b.summary.audience === B)!], [us, exported.find((b) => b.summary.audience === C)!]] as const) {
      expect((await received(node, out.summary.hash)).decisions).toEqual([expect.objectContaining({ originId: id, action: 'accept', reasons: ACCEPTED })]);
    }
    // Per audience, with the rule ids: withheld from the community chain by the baseline, shared to each partner under its agreement.
    const shown = await nl.api('GET', `/indicators/${id}`);
    const agreements = (await nl.api('GET', '/agreements?state=active', { role: 'auditor' })).body.items as { id: string; partner: string }[];
    const byAudience = Object.fromEntries((shown.body.exportDecisions as { audience: string }[]).map((d) => [d.audience, d]));
    expect(byAudience.all).toMatchObject({ action: 'withhold', reasons: ['baseline.community-clear-only'], bundleHash: null, agreementId: null });
    for (const partner of [B, C]) {
      expect(byAudience[partner]).toMatchObject({ action: 'share', reasons: SHARED, agreementId: agreements.find((a) => a.partner === partner)!.id, version: 1 });
    }
  });

  it('de-bka keeps the amber indicator, us-hsi (its policy: at most TLP:GREEN) rejects it with us.tlp-maximum, and the community chain never carries it', async () => {
    const [id] = await publish(nl, [{ type: 'url', value: 'HTTPS://Jobs.Example.NET:443/models?x=1#apply', tlp: 'amber', confidence: 95, tags: ['ht:recruitment'] }]);
    const exported = await exportedWith(nl, id!, 2);
    expect(exported.map((b) => b.summary.audience).sort()).toEqual([B, C]);
    expect((await outboundBundles(nl)).filter((b) => b.summary.audience === 'all' && carries(b.bundle, id!))).toEqual([]);

    const toB = exported.find((b) => b.summary.audience === B)!;
    const toC = exported.find((b) => b.summary.audience === C)!;
    expect((await received(de, toB.summary.hash)).decisions).toEqual([expect.objectContaining({ originId: id, action: 'accept', reasons: ACCEPTED })]);
    expect((await received(us, toC.summary.hash)).decisions).toEqual([expect.objectContaining({ originId: id, action: 'reject', reasons: ['us.tlp-maximum'] })]);
    expect((await de.api('GET', `/indicators/${id}`)).body).toMatchObject({ indicator: { value: 'https://jobs.example.net/models?x=1', tlp: 'amber' }, bundleHash: toB.summary.hash });
    expect((await us.api('GET', `/indicators/${id}`)).status).toBe(404);
  });
});

describe('pseudonymization on import (de-bka keeps phone numbers only as a keyed HMAC)', () => {
  it('stores no phone value on de-bka, neither through the API nor anywhere in its indicator table', async () => {
    const phone = '+31612345678';
    const [id] = await publish(nl, [
      { type: 'phone', value: '06 1234 5678', tlp: 'green', confidence: 95, tags: ['ht:sexual-exploitation'], description: `ad lists ${phone} / 0612345678` },
    ]);
    const out = await exportedTo(nl, id!, B);
    const upsert = out.bundle.entries.find((e) => e.op === 'upsert' && e.indicator.id === id);
    expect(upsert).toMatchObject({ indicator: { type: 'phone', value: phone } });

    const detail = await received(de, out.summary.hash);
    // `import` permitted, `importRaw` forbidden by de-bka's own rule: only the pseudonym is kept.
    expect(detail.decisions).toEqual([expect.objectContaining({ originId: id, action: 'accept-pseudonymized', reasons: ['default.import', 'de.pseudonymize-phone'] })]);
    expect(detail.pseudonymizedCount).toBe(1);
    const onB = (await de.api('GET', `/indicators/${id}`)).body;
    expect(onB.indicator).toMatchObject({ id, origin: A, type: 'phone', value: null, description: null });
    expect(onB.indicator.pseudonym).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(onB)).not.toContain('612345678');
    const listed = await listAll(de, `/indicators?origin=${A}&type=phone`, 'analyst');
    expect(listed.map((i) => i.id)).toContain(id);
    expect(JSON.stringify(listed)).not.toContain('612345678');

    // What is stored, not what the API shows: no row of indicator (nor of the decision log) holds the number.
    for (const table of ['indicator', 'import_decision']) {
      const [[hits]] = psql(de.database!.url, `select count(*) from ${table} t where t::text like '%' || :'needle' || '%'`, { needle: '612345678' });
      expect(hits, `${table} rows holding the phone number`).toBe('0');
    }
    const [[rows]] = psql(de.database!.url, `select count(*) from indicator where origin_id = :'id' and value is null and pseudonym like 'hmac-sha256:%'`, { id: id! });
    expect(rows).toBe('1');

    // us-hsi has no such rule: it keeps the number in clear (confidence 95, green), from its own chain.
    await received(us, (await exportedTo(nl, id!, C)).summary.hash);
    expect((await us.api('GET', `/indicators/${id}`)).body.indicator).toMatchObject({ value: phone, pseudonym: null });
  });

  it('keeps the phone number nowhere in de-bka’s database, not even inside the stored bundle bytes (DESIGN: "keep only a keyed HMAC")', async () => {
    const phone = '+31687654321';
    const [id] = await publish(nl, [{ type: 'phone', value: phone, tlp: 'green', confidence: 95 }]);
    const out = await exportedTo(nl, id!, B);
    await received(de, out.summary.hash);
    const [[inBundles]] = psql(de.database!.url, `select count(*) from bundle where position(convert_to(:'needle', 'UTF8') in bytes) > 0`, { needle: phone });
    expect(inBundles, 'inbound bundle rows whose stored bytes hold the pseudonymized number').toBe('0');
    // Not even an analyst's download of the bundle gives it away.
    const raw = await de.api('GET', `/bundles/${out.summary.hash}/raw`);
    expect(raw.status).toBe(410);
    expect(raw.body.error).toMatchObject({ code: 'BUNDLE_BYTES_NOT_KEPT' });
    expect(JSON.stringify(raw.body)).not.toContain(phone);
    // The signature is kept, so what was received can still be proven against nl-police's copy.
    const kept = await dearmorSignature((await getBytes(de, `/bundles/${out.summary.hash}/signature`)).toString('utf8'));
    expect(await verifyDetached(out.bytes, kept, await readPublicKey(nl.armoredPublicKey))).toMatchObject({ ok: true });
  });

  it('an analyst on de-bka who searches the number (any spelling) still finds the pseudonymized indicator, without seeing the value', async () => {
    const [id] = await publish(nl, [{ type: 'phone', value: '+31 6 11223344', tlp: 'green', confidence: 95, tags: ['ht:recruitment'] }]);
    await eventually(`${B} to keep ${id}`, async () => (await de.api('GET', `/indicators/${id}`)).status === 200);
    // de-bka's analysts type numbers the German way; the keyed HMAC of the normalized value is what matches.
    for (const typed of ['+31611223344', '0031 6 11223344']) {
      const found = await de.api('GET', `/indicators?type=phone&value=${encodeURIComponent(typed)}`);
      expect(found.status, JSON.stringify(found.body)).toBe(200);
      expect(found.body.items.map((i: { id: string }) => i.id), `search for ${typed}`).toEqual([id]);
      expect(found.body.items[0]).toMatchObject({ value: null, pseudonym: expect.stringMatching(/^hmac-sha256:/) });
    }
  });
});

describe('a new version at the origin', () => {
  it('raising the confidence to 95 makes us-hsi accept what it rejected at 60, and both partners show version 2', async () => {
    const value = 'visa.agent@example.net';
    const [id] = await publish(nl, [{ type: 'email', value, tlp: 'green', confidence: 60 }]);
    const v1 = { [B]: await exportedTo(nl, id!, B), [C]: await exportedTo(nl, id!, C) };
    expect((await received(us, v1[C].summary.hash)).decisions).toEqual([expect.objectContaining({ originId: id, version: 1, action: 'reject', reasons: ['us.confidence-minimum'] })]);

    const again = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'email', value, tlp: 'green', confidence: 95 }] } });
    expect(again.body.items).toEqual([{ id, version: 2, status: 'updated' }]);
    const v2: Record<string, Awaited<ReturnType<typeof exportedTo>>> = { [B]: await exportedTo(nl, id!, B, [v1[B].summary.hash]), [C]: await exportedTo(nl, id!, C, [v1[C].summary.hash]) };
    expect((await received(us, v2[C].summary.hash)).decisions).toEqual([expect.objectContaining({ originId: id, version: 2, action: 'accept', reasons: ACCEPTED })]);
    for (const node of [de, us]) {
      const shown = await eventually(`${node.nodeId} to show version 2`, async () => {
        const res = await node.api('GET', `/indicators/${id}`);
        return res.body.indicator?.version === 2 && res.body;
      });
      const hash = v2[node.nodeId]!.summary.hash;
      expect(shown).toMatchObject({ indicator: { confidence: 95, value }, bundleHash: hash, decision: { action: 'accept', bundleHash: hash } });
    }
  });
});

describe('revocation by the origin', () => {
  it('an indicator nl-police revokes is marked revoked on de-bka and us-hsi and drops out of their searches', async () => {
    const value = 'sponsor.visa.jobs@example.com';
    const [id] = await publish(nl, [{ type: 'email', value, tlp: 'green', confidence: 95, tags: ['ht:labour'] }]);
    for (const node of [de, us]) await eventually(`${node.nodeId} to keep ${id}`, async () => (await node.api('GET', `/indicators/${id}`)).status === 200);

    const revoked = await nl.api('POST', `/indicators/${id}/revoke`, { body: { reason: 'false positive: a real employer' } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({ id, version: 2, alreadyRevoked: false });

    for (const node of [de, us]) {
      const shown = await eventually(`${node.nodeId} to mark ${id} revoked`, async () => {
        const res = await node.api('GET', `/indicators/${id}`);
        return res.body.indicator?.revokedAt && res.body;
      });
      expect(shown.indicator).toMatchObject({ id, origin: A, revokeReason: 'false positive: a real employer' });
      const search = await node.api('GET', `/indicators?type=email&value=${encodeURIComponent(value)}`);
      expect(search.body.items).toEqual([]);
    }
    // One revocation per partner chain the indicator went on, with the origin's reason.
    const revocations = (await outboundBundles(nl)).filter((b) => b.bundle.entries.some((e) => e.op === 'revoke' && e.id === id));
    expect(revocations.map((b) => b.summary.audience).sort()).toEqual([B, C]);
    for (const b of revocations) expect(b.bundle.entries).toContainEqual({ op: 'revoke', id, reason: 'false positive: a real employer' });
  });
});

describe('TLP:RED and TLP:AMBER+STRICT never leave nl-police', () => {
  it('no bundle on any feed subject, and nothing on de-bka or us-hsi, carries them', async () => {
    const tag = Date.now().toString(36);
    const red = `red-only-${tag}`;
    const strict = `strict-only-${tag}`;
    const [redId, strictId, markerId] = await publish(nl, [
      { type: 'keyword', value: red, tlp: 'red', confidence: 100 },
      { type: 'keyword', value: strict, tlp: 'amber+strict', confidence: 100 },
      { type: 'keyword', value: `marker-${tag}`, tlp: 'green', confidence: 100 },
    ]);
    // The green marker went out in the same export pass: once both partners have it, the pass is over.
    for (const node of [de, us]) await eventually(`${node.nodeId} to keep the marker`, async () => (await node.api('GET', `/indicators/${markerId}`)).status === 200);
    const secrets = [red, strict, redId!, strictId!];

    const fromA = await outboundBundles(nl);
    expect(fromA.length).toBeGreaterThan(0);
    for (const b of fromA) for (const s of secrets) expect(b.bytes.includes(s), `${s} in ${b.summary.hash}`).toBe(false);

    // Everything on nl-police's stream, whatever the subject (and whoever put it there).
    const nats = await RawNatsClient.connect(fed.nats.url);
    try {
      const messages = await nats.streamMessages(feedStreamName(A));
      expect(messages.length).toBeGreaterThanOrEqual(fromA.length);
      for (const m of messages) for (const s of secrets) expect(m.data.includes(s), `${s} on ${m.subject} #${m.seq}`).toBe(false);
    } finally {
      await nats.close();
    }

    for (const node of [de, us]) {
      for (const id of [redId, strictId]) expect((await node.api('GET', `/indicators/${id}`)).status).toBe(404);
      for (const b of await listAll(node, '/bundles?direction=in')) {
        const bytes = await getBytesIfKept(node, `/bundles/${b.hash}/raw`);
        for (const s of secrets) expect(bytes?.includes(s) ?? false, `${s} in ${node.nodeId}'s ${b.hash}`).toBe(false);
      }
    }
    // nl-police itself still has them (they were withheld, not lost), and says why for every audience.
    for (const id of [redId, strictId]) {
      const shown = (await nl.api('GET', `/indicators/${id}`)).body;
      expect(shown.exportDecisions.map((d: { audience: string }) => d.audience).sort()).toEqual([B, 'all', C].sort());
      for (const d of shown.exportDecisions) {
        expect(d, `${id} → ${d.audience}`).toMatchObject({ action: 'withhold', bundleHash: null });
        // Partner chains would carry them encrypted, but these agreements stop at AMBER; the community chain never encrypts.
        expect(d.reasons).toContain(d.audience === 'all' ? 'baseline.tlp-needs-encryption' : 'baseline.tlp-above-agreement');
      }
    }
    expect((await nl.api('GET', `/indicators/${redId}`)).body.indicator).toMatchObject({ tlp: 'red', value: red });
  });
});
