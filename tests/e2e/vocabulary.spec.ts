import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indicatorVocabulary, textFingerprint } from '@palermo/indicators';
import { repoRoot, tempDir } from '@palermo/testing';
import { bootFederation, type ApiAnswer, type Federation, type TestNode } from './support/federation.harness';

// The vocabulary of issue 6: the text-fingerprint and image-hash types and the ht taxonomy, as an
// analyst meets them through the API (of a node started from dist/, so the taxonomy JSON must be there)
// and through `palermo fingerprint`.

const CLI = join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');
const AD = 'New in town! Sweet young girl from abroad, available 24/7 for incall and outcall. Call or WhatsApp 06 12345678.';
const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

const errorsOf = (res: ApiAnswer) => (res.body?.error?.details?.errors ?? []) as { index?: number; path: (string | number)[]; code: string; message: string }[];

function cli(args: string[], input?: string | Buffer) {
  const run = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('vocabulary on one node', () => {
  let fed: Federation;
  let nl: TestNode;
  const serverErrors: string[] = [];
  const call = async (method: string, path: string, opts: Parameters<TestNode['api']>[2] = {}) => {
    const res = await nl.api(method, path, opts);
    if (res.status >= 500) serverErrors.push(`${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res;
  };
  const publish = (indicators: unknown[]) => call('POST', '/indicators', { body: { indicators } });

  beforeAll(async () => {
    fed = await bootFederation([{ nodeId: 'nl-police', jurisdiction: 'NL' }], 'postgres');
    nl = fed.node('nl-police');
  });
  afterAll(async () => {
    await fed?.stop();
  });

  describe('GET /api/v1/vocabulary', () => {
    it.each(['analyst', 'policy-officer', 'auditor', 'admin'] as const)('answers the %s role with types, TLP levels and the taxonomy', async (role) => {
      const res = await call('GET', '/vocabulary', { role });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(JSON.parse(JSON.stringify(indicatorVocabulary())));
      expect(res.body.types.map((t: { type: string }) => t.type)).toEqual(expect.arrayContaining(['text-fingerprint', 'image-hash']));
      expect(res.body.taxonomy.categories.map((c: { id: string }) => c.id)).toEqual(['forms-of-exploitation', 'recruitment', 'advertisement', 'payment', 'coded-language']);
    });

    it('refuses a caller without a token, or with a forged one', async () => {
      expect(await call('GET', '/vocabulary', { role: null })).toMatchObject({ status: 401, body: { error: { code: 'AUTH_REQUIRED' } } });
      expect(await call('GET', '/vocabulary', { token: 'plm_forged' })).toMatchObject({ status: 401, body: { error: { code: 'AUTH_INVALID' } } });
    });

    it('ignores a hostile query string and does not accept writes', async () => {
      const res = await call('GET', `/vocabulary?__proto__[x]=1&types=${'a'.repeat(4000)}`);
      expect(res.status).toBe(200);
      expect(res.body.tlpLevels).toEqual(['clear', 'green', 'amber', 'amber+strict', 'red']);
      expect((await call('POST', '/vocabulary', { body: { types: [] } })).status).toBe(404);
      expect((await call('GET', '/vocabulary', { role: 'auditor' })).body).toEqual(JSON.parse(JSON.stringify(indicatorVocabulary())));
    });
  });

  describe('publishing the new types and tags', () => {
    it('stores a text fingerprint and an image hash in normal form, with taxonomy tags, and finds them again', async () => {
      const fingerprint = textFingerprint(AD);
      const res = await publish([
        { type: 'text-fingerprint', value: fingerprint.toUpperCase(), tlp: 'green', tags: ['ht:escort-ad', 'ht:reused-text', 'case:e2e-vocab'] },
        { type: 'image-hash', value: PDQ.toUpperCase(), tlp: 'green', tags: ['ht:reused-images', 'case:e2e-vocab'] },
        { type: 'image-hash', value: 'phash: d1c4 e2a3 b4f5 0617', tags: ['case:e2e-vocab'] },
      ]);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const stored = await call('GET', '/indicators?tag=case:e2e-vocab');
      expect(stored.body.items.map((i: { value: string }) => i.value).sort()).toEqual([fingerprint, `pdq:${PDQ}`, 'phash:d1c4e2a3b4f50617'].sort());
      const byValue = await call('GET', `/indicators?type=image-hash&value=${PDQ}`);
      expect(byValue.body.items).toEqual([expect.objectContaining({ value: `pdq:${PDQ}`, tags: ['case:e2e-vocab', 'ht:reused-images'] })]);
    });

    it('refuses a tag outside the taxonomy, names the closest one, and stores nothing of the batch', async () => {
      const res = await publish([
        { type: 'keyword', value: 'e2e vocab fresh girls', tags: ['ht:coded-language'] },
        { type: 'keyword', value: 'e2e vocab new arrivals', tags: ['ht:labor', 'ht:new-arival'] },
      ]);
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toEqual([
        expect.objectContaining({ index: 1, path: ['tags', 0], code: 'TAG_UNKNOWN', message: expect.stringContaining('did you mean "ht:labour"') }),
        expect.objectContaining({ index: 1, path: ['tags', 1], code: 'TAG_UNKNOWN', message: expect.stringContaining('did you mean "ht:new-arrival"') }),
      ]);
      expect((await call('GET', `/indicators?type=keyword&value=${encodeURIComponent('e2e vocab fresh girls')}`)).body.items).toEqual([]);
    });

    it.each<[string, unknown, string]>([
      ['a fingerprint of another algorithm', { type: 'text-fingerprint', value: 'minhash:0f1e2d3c4b5a6978' }, 'TEXT_FINGERPRINT_ALGORITHM'],
      ['a fingerprint one digit short', { type: 'text-fingerprint', value: 'simhash64:0f1e2d3c4b5a697' }, 'TEXT_FINGERPRINT_LENGTH'],
      ['the ad text instead of its fingerprint', { type: 'text-fingerprint', value: AD }, 'TEXT_FINGERPRINT_INVALID'],
      ['an MD5 as an image hash', { type: 'image-hash', value: 'd41d8cd98f00b204e9800998ecf8427e' }, 'IMAGE_HASH_ALGORITHM'],
      ['a bidi override in an image hash', { type: 'image-hash', value: `\u202Epdq:${PDQ}` }, 'VALUE_BIDI_CONTROL'],
      ['a 4,000-character tag-like value', { type: 'image-hash', value: 'f'.repeat(4000) }, 'IMAGE_HASH_ALGORITHM'],
    ])('answers 400 with the code for %s', async (_name, item, code) => {
      const res = await publish([item]);
      expect(res.status).toBe(400);
      expect(errorsOf(res)).toEqual([expect.objectContaining({ index: 0, path: ['value'], code })]);
    });

    it('treats the same hash typed two ways as one indicator (duplicate in a batch, then unchanged)', async () => {
      const fingerprint = textFingerprint(`${AD} duplicate`);
      const twice = await publish([
        { type: 'text-fingerprint', value: fingerprint },
        { type: 'text-fingerprint', value: fingerprint.slice('simhash64:'.length).toUpperCase() },
      ]);
      expect(twice.status).toBe(400);
      expect(errorsOf(twice)).toEqual([expect.objectContaining({ index: 1, code: 'DUPLICATE_IN_BATCH' })]);
      const first = await publish([{ type: 'text-fingerprint', value: fingerprint }]);
      const again = await publish([{ type: 'text-fingerprint', value: fingerprint.toUpperCase() }]);
      expect(first.status).toBe(201);
      expect(again.body.items?.[0]?.id ?? again.body).toBe(first.body.items[0].id);
    });
  });

  it('never answered with a server error', () => {
    expect(serverErrors).toEqual([]);
  });
});

describe('palermo fingerprint', () => {
  it('prints the same fingerprint as the library, from an argument, a file and standard input', () => {
    const expected = `${textFingerprint(AD)}\n`;
    expect(cli(['fingerprint', 'text', AD])).toMatchObject({ code: 0, stdout: expected });
    const file = join(tempDir('e2e-fingerprint'), 'ad.txt');
    writeFileSync(file, AD);
    expect(cli(['fingerprint', 'text', '--file', file])).toMatchObject({ code: 0, stdout: expected });
    expect(cli(['fingerprint', 'text', '--file', '-'], AD)).toMatchObject({ code: 0, stdout: expected });
  });

  it('prints the Hamming distance of two fingerprints, and refuses hashes of different algorithms', () => {
    const a = textFingerprint(AD);
    const b = textFingerprint(AD.replace('Sweet', 'Lovely'));
    const near = cli(['fingerprint', 'distance', a, b.toUpperCase()]);
    expect(near.code).toBe(0);
    expect(Number(near.stdout)).toBeLessThanOrEqual(12);
    expect(cli(['fingerprint', 'distance', a, 'phash:d1c4e2a3b4f50617'])).toMatchObject({ code: 1, stderr: expect.stringContaining('HASH_ALGORITHM_MISMATCH') });
  });

  it('explains bad input with a code or a usage error, never a stack trace', () => {
    const dir = tempDir('e2e-fingerprint-bad');
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff]));
    const cases = [
      [['fingerprint', 'text', '  !!! '], 1, 'TEXT_FINGERPRINT_NO_WORDS'],
      [['fingerprint', 'text', AD, '--file', latin1], 2, 'not both'],
      [['fingerprint', 'text'], 2, 'not both'],
      [['fingerprint', 'text', '--file', latin1], 2, 'not UTF-8'],
      [['fingerprint', 'text', '--file', join(dir, 'missing.txt')], 2, 'ENOENT'],
      [['fingerprint', 'text', '--file', dir], 2, 'cannot read'],
    ] as const;
    for (const [args, code, message] of cases) {
      const run = cli([...args]);
      expect({ code: run.code, stderr: run.stderr }, args.join(' ')).toMatchObject({ code, stderr: expect.stringContaining(message) });
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
