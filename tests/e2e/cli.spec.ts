import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf, readPublicKey } from '@palermo/bundles';
import { createTestDatabase, NodeProcess, startNatsServer, tempDir, type NatsServerHandle, type TestDatabase } from '@palermo/testing';
import { runCli } from './support/cli.run';

// The `palermo` command exactly as an operator runs it: the built artefact, a fresh process per call.

let cwd = process.cwd();

/** Runs the CLI in the suite's temp dir, so that a default `.data/` never lands in the repository. */
const palermo = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd, env });

const FINGERPRINT = /^fingerprint ([0-9a-f]{40})$/m;
const NO_STACK = /^\s+at /m;

describe('palermo CLI', () => {
  let root: string;
  let nats: NatsServerHandle;
  let db: TestDatabase;
  const nodes: NodeProcess[] = [];

  beforeAll(async () => {
    root = tempDir('e2e-cli');
    cwd = root;
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('cli')]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await nats?.stop();
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('help and usage', () => {
    it('prints help with every command and exits 0', async () => {
      const run = await palermo(['--help']);
      expect(run.code).toBe(0);
      for (const cmd of ['init', 'tokens', 'keys', 'partners', 'policy', 'agreements', 'demo']) expect(run.stdout).toContain(cmd);
      expect((await palermo(['init', '--help'])).code).toBe(0);
    });

    it('exits 2 on an unknown command and says so', async () => {
      const run = await palermo(['frobnicate']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("unknown command 'frobnicate'");
    });

    it('exits 2 when a command cannot tell which node it is about', async () => {
      const run = await palermo(['tokens', 'create', '--role', 'analyst']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--data-dir/);
    });
  });

  describe('init', () => {
    it.each([
      ['an upper-case node id', ['--node-id', 'NL_police', '--jurisdiction', 'NL'], /--node-id NL_police/],
      ['the reserved node id all', ['--node-id', 'all', '--jurisdiction', 'NL'], /--node-id all/],
      ['a three-letter jurisdiction', ['--node-id', 'nl-police', '--jurisdiction', 'NLD'], /--jurisdiction NLD/],
      ['no jurisdiction', ['--node-id', 'nl-police'], /--jurisdiction/],
    ])('refuses %s with exit 2, one clear line, and creates nothing', async (_name, args, message) => {
      const dir = join(root, `bad-${Math.random().toString(36).slice(2)}`);
      const run = await palermo(['init', ...args, '--data-dir', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(NO_STACK);
      expect(existsSync(join(dir, 'keys'))).toBe(false);
    });

    it('refuses a --policy file that does not validate, naming FILE:line:column, and creates nothing', async () => {
      const dir = join(root, `bad-policy-${Math.random().toString(36).slice(2)}`);
      const file = join(root, 'no-id.cedar');
      writeFileSync(file, 'permit (principal, action, resource);\n');
      const run = await palermo(['init', '--node-id', 'nl-police', '--jurisdiction', 'NL', '--data-dir', dir, '--policy', file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${file}:1:1`);
      expect(run.stderr).not.toMatch(NO_STACK);
      expect(existsSync(join(dir, 'keys'))).toBe(false);
    });

    it.each([
      ['a non-PostgreSQL --database-url', ['--database-url', 'mysql://x/y']],
      ['a --port that is no number', ['--port', 'abc']],
    ])('a refused init (%s) leaves the data dir free for a corrected init', async (_name, bad) => {
      const dir = join(root, `retry-${Math.random().toString(36).slice(2)}`);
      const refused = await palermo(['init', '--node-id', 'nl-police', '--jurisdiction', 'NL', '--data-dir', dir, ...bad]);
      expect(refused.code).toBe(2);
      const retry = await palermo(['init', '--node-id', 'nl-police', '--jurisdiction', 'NL', '--data-dir', dir]);
      expect(retry.stderr).toBe('');
      expect(retry.code).toBe(0);
    });
  });

  describe('a node on PostgreSQL, set up through PALERMO_DATA_DIR and DATABASE_URL', () => {
    let env: Record<string, string>;
    let fingerprint: string;
    let analystToken: string;

    beforeAll(() => {
      env = { PALERMO_DATA_DIR: join(root, 'nl-police'), DATABASE_URL: db.url };
    });

    it('init prints the fingerprint of the new key', async () => {
      // --data-dir here, so the steps below stay testable; PALERMO_DATA_DIR alone is the next test.
      const run = await palermo(['init', '--node-id', 'nl-police', '--jurisdiction', 'nl', '--data-dir', env.PALERMO_DATA_DIR!], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('initialized nl-police (NL)');
      fingerprint = FINGERPRINT.exec(run.stdout)![1]!;
    });

    it('init puts the node where PALERMO_DATA_DIR says when there is no --data-dir', async () => {
      const dir = join(root, 'from-env');
      const run = await palermo(['init', '--node-id', 'be-police', '--jurisdiction', 'BE'], { PALERMO_DATA_DIR: dir });
      expect(run.code).toBe(0);
      expect(existsSync(join(dir, 'keys', 'node-public.asc'))).toBe(true);
      expect(existsSync(join(root, '.data'))).toBe(false);
    });

    it('refuses a second init in the same data dir with exit 2 and keeps the key', async () => {
      const run = await palermo(['init', '--node-id', 'nl-police', '--jurisdiction', 'NL', '--data-dir', env.PALERMO_DATA_DIR!], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/already holds a node/);
      const exported = await palermo(['keys', 'export'], env);
      expect(exported.stderr).toContain(`fingerprint ${fingerprint}`);
    });

    it('keys export prints the armored public key on stdout and its fingerprint on stderr', async () => {
      const run = await palermo(['keys', 'export'], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n[\s\S]+-----END PGP PUBLIC KEY BLOCK-----\n$/);
      expect(run.stdout).not.toMatch(/PRIVATE/);
      expect(run.stderr.trim()).toBe(`fingerprint ${fingerprint}`);
      expect(fingerprintOf(await readPublicKey(run.stdout))).toBe(fingerprint);
    });

    it('tokens create prints a plm_ token once; a bad role is exit 2', async () => {
      const run = await palermo(['tokens', 'create', '--role', 'analyst', '--name', 'jan'], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^plm_[A-Za-z0-9_-]{20,}\n$/);
      analystToken = run.stdout.trim();
      const bad = await palermo(['tokens', 'create', '--role', 'superuser'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--role superuser.*analyst/);
    });

    it('the token works against the node started afterwards, for its role only', async () => {
      const node = await NodeProcess.start({ nodeId: 'nl-police', dataDir: env.PALERMO_DATA_DIR!, env: { ...env, NATS_URL: nats.url } });
      nodes.push(node);
      const api = (method: string, path: string, token: string, body?: unknown) =>
        fetch(`${node.url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const posted = await api('POST', '/indicators', analystToken, { indicators: [{ type: 'phone', value: '06 12345678' }] });
      expect(posted.status).toBe(201);
      expect((await api('GET', '/node', analystToken)).status).toBe(200);
      const health = (await (await api('GET', '/health', analystToken)).json()) as { database: { backend: string } };
      expect(health.database.backend).toBe('postgresql');
      expect((await api('POST', '/partners', analystToken, {})).status).toBe(403);
      expect((await api('GET', '/node', `${analystToken}x`)).status).toBe(401);
      await node.stop();
    });
  });

  describe('configuration from before sharing agreements', () => {
    it.each([
      ['YAML import: rules', 'import:\n  minConfidence: 90\n', {}, /import: rules moved into the Cedar policy/],
      ['YAML export.partners', 'export:\n  partners: [de-bka]\n', {}, /export\.partners: sharing is decided by agreements/],
      ['PALERMO_EXPORT_PARTNERS', '', { PALERMO_EXPORT_PARTNERS: 'de-bka' }, /PALERMO_EXPORT_PARTNERS: sharing is decided by agreements/],
    ])('%s stop the node and the CLI with one line saying where the rule went', async (_name, yaml, env, message) => {
      const dir = join(root, `old-config-${Math.random().toString(36).slice(2)}`);
      expect((await palermo(['init', '--node-id', 'nl-police', '--jurisdiction', 'NL', '--data-dir', dir])).code).toBe(0);
      if (yaml) writeFileSync(join(dir, 'palermo.yaml'), `nodeId: nl-police\njurisdiction: NL\n${yaml}`);
      const run = await palermo(['tokens', 'create', '--role', 'analyst', '--data-dir', dir], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(NO_STACK);
      await expect(NodeProcess.start({ nodeId: 'nl-police', dataDir: dir, env: { ...env, NATS_URL: nats.url }, readyTimeoutMs: 15_000 })).rejects.toThrow(message);
    });
  });

  describe('pinning a partner on a PGlite node with --data-dir', () => {
    let nl: string;
    let other: string;
    let deKey: string;
    let deFingerprint: string;

    beforeAll(async () => {
      nl = join(root, 'pglite-nl');
      const de = join(root, 'pglite-de');
      other = join(root, 'pglite-fr');
      const inits = await Promise.all([
        palermo(['init', '--node-id', 'nl-police', '--jurisdiction', 'NL', '--data-dir', nl]),
        palermo(['init', '--node-id', 'de-bka', '--jurisdiction', 'DE', '--data-dir', de]),
        palermo(['init', '--node-id', 'fr-police', '--jurisdiction', 'FR', '--data-dir', other]),
      ]);
      expect(inits.map((r) => r.code)).toEqual([0, 0, 0]);
      const exported = await palermo(['keys', 'export', '--data-dir', de]);
      deKey = join(root, 'de-bka.asc');
      writeFileSync(deKey, exported.stdout);
      deFingerprint = FINGERPRINT.exec(exported.stderr)![1]!;
    });

    const add = (args: string[]) =>
      palermo(['partners', 'add', '--node-id', 'de-bka', '--jurisdiction', 'DE', '--key', deKey, '--data-dir', nl, ...args]);

    it('refuses a key whose fingerprint is not the confirmed one, naming both', async () => {
      const wrong = 'ab'.repeat(20);
      const run = await add(['--fingerprint', wrong]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('PARTNER_FINGERPRINT_MISMATCH');
      expect(run.stderr).toContain(deFingerprint);
      expect(run.stderr).toContain(wrong);
      expect(run.stderr).not.toMatch(NO_STACK);
      expect((await palermo(['partners', 'list', '--data-dir', nl])).stdout).toBe('');
    });

    it('names a missing key file in one line', async () => {
      const run = await palermo(['partners', 'add', '--node-id', 'de-bka', '--jurisdiction', 'DE', '--key', join(root, 'nope.asc'), '--fingerprint', deFingerprint, '--data-dir', nl]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('nope.asc');
      expect(run.stderr).not.toMatch(NO_STACK);
    });

    it('pins the key with the fingerprint as read aloud (groups, upper case) and lists it', async () => {
      const spoken = deFingerprint.toUpperCase().replace(/(.{4})/g, '$1 ').trim();
      const run = await add(['--fingerprint', spoken]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`pinned de-bka (DE) ${deFingerprint}\n`);
      const list = await palermo(['partners', 'list', '--data-dir', nl]);
      expect(list.code).toBe(0);
      expect(list.stdout).toBe(`de-bka\tDE\t${deFingerprint}\n`);
    });

    it('refuses to pin the community audience `all` or a malformed node id / jurisdiction', async () => {
      for (const [id, cc] of [['all', 'DE'], ['ALL', 'DE'], ['de-bka', 'germany']]) {
        const run = await palermo(['partners', 'add', '--node-id', id!, '--jurisdiction', cc!, '--key', deKey, '--fingerprint', deFingerprint, '--data-dir', other]);
        expect(run.code, `${id} ${cc}`).not.toBe(0);
        expect(run.stderr.split('\n').length, `${id} ${cc}: ${run.stderr.slice(0, 200)}`).toBeLessThanOrEqual(3);
      }
      expect((await palermo(['partners', 'list', '--data-dir', other])).stdout).toBe('');
    });

    it('the node started afterwards lists and follows the partner', async () => {
      const token = (await palermo(['tokens', 'create', '--role', 'auditor', '--data-dir', nl])).stdout.trim();
      const node = await NodeProcess.start({ nodeId: 'nl-police', dataDir: nl, env: { NATS_URL: nats.url } });
      nodes.push(node);
      const get = async (path: string) => (await fetch(`${node.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
      expect((await get('/partners')).items).toEqual([expect.objectContaining({ nodeId: 'de-bka', jurisdiction: 'DE', fingerprint: deFingerprint })]);
      const health = await get('/health');
      expect(health).toMatchObject({ database: { backend: 'pglite' }, following: ['de-bka'] });
      await node.stop();
      expect(readdirSync(join(nl, 'pglite')).length).toBeGreaterThan(0);
    });
  });

  describe('partner cards: palermo partner card, then partner add CARD (partners is the same command)', () => {
    let us: string;
    let fr: string;
    let cardFile: string;
    let usFingerprint: string;

    beforeAll(async () => {
      us = join(root, 'cards-us');
      fr = join(root, 'cards-fr');
      const inits = await Promise.all([
        palermo(['init', '--node-id', 'us-hsi', '--jurisdiction', 'US', '--data-dir', us]),
        palermo(['init', '--node-id', 'fr-gendarmerie', '--jurisdiction', 'FR', '--data-dir', fr]),
      ]);
      expect(inits.map((r) => r.code)).toEqual([0, 0]);
      const card = await palermo(['partner', 'card', '--valid-days', '30', '--data-dir', us]);
      expect(card.code, card.stderr).toBe(0);
      usFingerprint = FINGERPRINT.exec(card.stderr)![1]!;
      cardFile = join(root, 'us-hsi.card.json');
      writeFileSync(cardFile, card.stdout);
      expect(JSON.parse(card.stdout).card).toMatchObject({ spec: 'palermo/partner-card@1', nodeId: 'us-hsi', jurisdiction: 'US', fingerprint: usFingerprint });
    });

    it('shows the fingerprint to confirm out of band and pins nothing until it is given', async () => {
      const run = await palermo(['partners', 'add', cardFile, '--data-dir', fr]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`presents key ${usFingerprint}`);
      expect(run.stderr).toContain(`--fingerprint ${usFingerprint}`);
      expect((await palermo(['partners', 'list', '--data-dir', fr])).stdout).toBe('');
    });

    it('refuses a card changed after signing, and a confirmed fingerprint that is not the card\'s', async () => {
      const card = JSON.parse(await (await import('node:fs/promises')).readFile(cardFile, 'utf8'));
      const tampered = join(root, 'tampered.card.json');
      writeFileSync(tampered, JSON.stringify({ ...card, card: { ...card.card, jurisdiction: 'CA' } }));
      const forged = await palermo(['partners', 'add', tampered, '--fingerprint', usFingerprint, '--data-dir', fr]);
      expect(forged.code).toBe(1);
      expect(forged.stderr).toContain('CARD_SIGNATURE_INVALID');
      const wrong = await palermo(['partners', 'add', cardFile, '--fingerprint', 'cd'.repeat(20), '--data-dir', fr]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('PARTNER_FINGERPRINT_MISMATCH');
      expect((await palermo(['partners', 'list', '--data-dir', fr])).stdout).toBe('');
    });

    it('pins the partner from its card once the fingerprint is confirmed', async () => {
      const run = await palermo(['partner', 'add', '--card', cardFile, '--fingerprint', usFingerprint, '--data-dir', fr]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`pinned us-hsi (US) ${usFingerprint}\n`);
      expect((await palermo(['partners', 'list', '--data-dir', fr])).stdout).toBe(`us-hsi\tUS\t${usFingerprint}\n`);
    });
  });
});
