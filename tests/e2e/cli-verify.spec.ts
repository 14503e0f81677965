import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armorSignature, bundleHash, canonicalBytes, generateNodeKey, readPrivateKey, signDetached, type Bundle } from '@palermo/bundles';
import { bundleAt, wireIndicator } from './support/hostile.bundle-factory';
import { run } from './support/hostile.node-io';

// `palermo bundle verify|inspect` and `palermo init` as an operator runs them: the built CLI in a
// child process, material made in-process with '@palermo/bundles'. Exit codes: 0 valid, 1 invalid
// (one line says why), 2 usage.
const CLI = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
// The operator's shell must not point the CLI at some other node.
const { PALERMO_DATA_DIR: _dir, PALERMO_NODE_ID: _id, PALERMO_CONFIG: _config, DATABASE_URL: _db, ...cleanEnv } = process.env;
const palermo = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: cleanEnv });

let dir: string;
let bundle: Bundle;
let hash: string;
let fingerprint: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palermo-cli-'));
  const nl = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
  const other = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
  fingerprint = nl.fingerprint;
  const key = await readPrivateKey(nl.armoredPrivateKey);
  bundle = bundleAt({ publisher: 'nl-police', audience: 'de-bka', seq: 7, prev: 'ab'.repeat(32) }, [
    wireIndicator('nl-police', { type: 'phone', value: '+31612345678', tlp: 'amber' }),
    wireIndicator('nl-police', { type: 'email', value: 'recruiter@example.org', tlp: 'amber' }),
    wireIndicator('nl-police', { type: 'email', value: 'agency@example.org', tlp: 'green' }),
  ]);
  bundle.entries.push({ op: 'revoke', id: wireIndicator('nl-police').id, reason: 'false positive' });
  const bytes = canonicalBytes(bundle);
  hash = bundleHash(bytes);
  const signature = await signDetached(bytes, key);
  writeFileSync(file('bundle.json'), bytes);
  writeFileSync(file('sig.bin'), signature);
  writeFileSync(file('sig.asc'), armorSignature(signature));
  writeFileSync(file('key.asc'), nl.armoredPublicKey);
  writeFileSync(file('other-key.asc'), other.armoredPublicKey);
  writeFileSync(file('garbage.sig'), Buffer.from('this is not an OpenPGP signature at all\n'));
  writeFileSync(file('garbage-key.asc'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnonsense\n-----END PGP PUBLIC KEY BLOCK-----\n');
  const flipped = Buffer.from(bytes);
  flipped[flipped.indexOf('recruiter')] = 'R'.charCodeAt(0);
  writeFileSync(file('flipped.json'), flipped);
  // Same content, not RFC 8785 (indented), correctly signed: the signature alone would pass.
  const pretty = Buffer.from(JSON.stringify(bundle, null, 2));
  writeFileSync(file('pretty.json'), pretty);
  writeFileSync(file('pretty.sig'), await signDetached(pretty, key));
  mkdirSync(file('a-directory'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const verify = (b: string, s: string, k: string) => palermo('bundle', 'verify', '--bundle', file(b), '--signature', file(s), '--key', file(k));
const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);

describe('palermo bundle verify', () => {
  it.each([
    ['an armored signature (as GET /bundles/:hash/signature serves it)', 'sig.asc'],
    ['a binary signature (as the Palermo-Signature header carries it)', 'sig.bin'],
  ])('exits 0 with one line for a valid bundle and %s', (_name, sig) => {
    const res = verify('bundle.json', sig, 'key.asc');
    expect(res.status, res.stderr).toBe(0);
    expect(lines(res.stdout)).toEqual([`valid: nl-police → de-bka seq 7, sha256 ${hash}, signed by ${fingerprint}`]);
    expect(res.stderr).toBe('');
  });

  it.each([
    ['one flipped byte in the bundle', 'flipped.json', 'sig.asc', 'key.asc', /^invalid: BUNDLE_SIGNATURE_INVALID: signature does not verify/],
    ["another key than the signer's", 'bundle.json', 'sig.asc', 'other-key.asc', /^invalid: BUNDLE_SIGNER_MISMATCH: signed by key id [0-9a-f]{16}, expected key [0-9a-f]{40}$/],
    ['a garbage signature file', 'bundle.json', 'garbage.sig', 'key.asc', /^invalid: BUNDLE_SIGNATURE_INVALID: not an OpenPGP signature/],
    ['a well-signed but non-canonical bundle', 'pretty.json', 'pretty.sig', 'key.asc', /^invalid: BUNDLE_NOT_CANONICAL: signature is good but the bundle is not valid: bytes are not the RFC 8785 form/],
    ['a key file that is not a key', 'bundle.json', 'sig.asc', 'garbage-key.asc', /^invalid: KEY_UNREADABLE: /],
  ])('exits 1 with one line saying why for %s', (_name, b, s, k, why) => {
    const res = verify(b, s, k);
    expect(res.status, res.stderr).toBe(1);
    const out = lines(res.stdout);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(why);
    expect(res.stderr).toBe('');
  });

  it.each([
    ['--key is missing', ['bundle', 'verify', '--bundle', 'B', '--signature', 'S'], /required option '--key <file>' not specified/],
    ['--bundle is missing', ['bundle', 'verify', '--signature', 'S', '--key', 'K'], /required option '--bundle <file>' not specified/],
    ['the bundle file does not exist', ['bundle', 'verify', '--bundle', 'nope.json', '--signature', 'S', '--key', 'K'], /--bundle .*nope\.json: no such file/],
    ['the signature file does not exist', ['bundle', 'verify', '--bundle', 'B', '--signature', 'nope.sig', '--key', 'K'], /--signature .*nope\.sig: no such file/],
    ['the key file does not exist', ['bundle', 'verify', '--bundle', 'B', '--signature', 'S', '--key', 'nope.asc'], /--key .*nope\.asc: no such file/],
    ['the bundle "file" is a directory', ['bundle', 'verify', '--bundle', 'DIR', '--signature', 'S', '--key', 'K'], /--bundle .*a-directory/],
    ['an unknown option is given', ['bundle', 'verify', '--bundle', 'B', '--signature', 'S', '--key', 'K', '--lenient'], /unknown option '--lenient'/],
  ])('exits 2 (usage) when %s, saying what is wrong on stderr', (_name, args, why) => {
    const real: Record<string, string> = { B: file('bundle.json'), S: file('sig.asc'), K: file('key.asc'), DIR: file('a-directory') };
    const res = palermo(...args.map((a) => real[a] ?? (a.startsWith('nope') ? file(a) : a)));
    expect(res.status, res.stdout + res.stderr).toBe(2);
    expect(res.stderr).toMatch(why);
    expect(res.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(res.stdout).toBe('');
  });
});

describe('palermo bundle inspect', () => {
  it('prints the chain position, hash, size and counts by op, type and TLP', () => {
    const res = palermo('bundle', 'inspect', file('bundle.json'));
    expect(res.status, res.stderr).toBe(0);
    const out = res.stdout;
    expect(out).toContain(`chain      nl-police → de-bka, seq 7, prev ${'ab'.repeat(32)}`);
    expect(out).toContain(`sha256     ${hash}`);
    expect(out).toContain(`id         ${bundle.id}`);
    expect(out).toContain(`size       ${canonicalBytes(bundle).length} bytes`);
    expect(out).toContain('entries    4: upsert 3, revoke 1');
    expect(out).toMatch(/types {6}(phone 1, email 2|email 2, phone 1)/);
    expect(out).toMatch(/tlp {8}(amber 2, green 1|green 1, amber 2)/);
  });

  it('says the first bundle of a chain has no prev', () => {
    const first = bundleAt({ publisher: 'nl-police', audience: 'all', seq: 1, prev: null }, [wireIndicator('nl-police', { tlp: 'clear' })]);
    writeFileSync(file('first.json'), canonicalBytes(first));
    const res = palermo('bundle', 'inspect', file('first.json'));
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('chain      nl-police → all, seq 1, prev (none: first bundle)');
  });

  it('exits 1 and names the reason for a file that is not a canonical bundle', () => {
    const res = palermo('bundle', 'inspect', file('pretty.json'));
    expect(res.status).toBe(1);
    expect(lines(res.stdout)[0]).toMatch(/^invalid: BUNDLE_NOT_CANONICAL: /);
  });

  it('exits 2 when the file does not exist', () => {
    const res = palermo('bundle', 'inspect', file('missing.json'));
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/missing\.json: no such file/);
  });
});

describe('palermo init misuse', () => {
  it.each([
    ['a node id with upper case', ['--node-id', 'NL-Police', '--jurisdiction', 'NL'], /--node-id NL-Police: must match/],
    ['the reserved node id "all"', ['--node-id', 'all', '--jurisdiction', 'NL'], /--node-id all: must match .* not be "all"/],
    ['a node id with a dot (it would address other subjects)', ['--node-id', 'nl.police', '--jurisdiction', 'NL'], /--node-id nl\.police: must match/],
    ['a jurisdiction that is not two letters', ['--node-id', 'nl-police', '--jurisdiction', 'NLD'], /--jurisdiction NLD: expected two letters/],
    ['no --jurisdiction', ['--node-id', 'nl-police'], /required option '--jurisdiction <cc>' not specified/],
  ])('exits 2 for %s, creating nothing', (_name, args, why) => {
    const dataDir = file(`init-${Math.random().toString(36).slice(2)}`);
    const res = palermo('init', ...args, '--data-dir', dataDir);
    expect(res.status, res.stdout + res.stderr).toBe(2);
    expect(res.stderr).toMatch(why);
    expect(res.stdout).toBe('');
    expect(run('ls', [dataDir]).status, 'data dir must not be created').not.toBe(0);
  });

  it('initializes a node once (exit 0, prints its fingerprint) and refuses a second init of the same data dir with exit 2', () => {
    const dataDir = file('node-once');
    const first = palermo('init', '--node-id', 'nl-police', '--jurisdiction', 'nl', '--data-dir', dataDir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^initialized nl-police \(NL\) in .*node-once\nfingerprint [0-9a-f]{40}\n$/);
    const again = palermo('init', '--node-id', 'nl-police', '--jurisdiction', 'NL', '--data-dir', dataDir);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/palermo\.yaml exists: this data dir already holds a node/);
  });
});
