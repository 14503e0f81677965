import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage, encrypt, enums } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHash, canonicalBytes } from './bundle.codec';
import { sampleBundle } from './bundle.fixtures';
import { canEncryptTo, decryptBundle, encryptBundle } from './bundle.encryption';
import { generateNodeKey, readPrivateKey, readPublicKey, type NodeKeyMaterial, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { signDetached, verifyDetached } from './bundle.signature';

const LIMIT = 1024 * 1024;
const bytes = canonicalBytes(sampleBundle(7));
let de: NodeKeyMaterial;
let dePrivate: NodePrivateKey;
let dePublic: NodePublicKey;
let usPrivate: NodePrivateKey;
let usPublic: NodePublicKey;
let nlPrivate: NodePrivateKey;
let nlPublic: NodePublicKey;

beforeAll(async () => {
  de = await generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' });
  const us = await generateNodeKey({ nodeId: 'us-hsi', jurisdiction: 'US' });
  const nl = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
  [dePrivate, dePublic, usPrivate, usPublic, nlPrivate, nlPublic] = await Promise.all([
    readPrivateKey(de.armoredPrivateKey),
    readPublicKey(de.armoredPublicKey),
    readPrivateKey(us.armoredPrivateKey),
    readPublicKey(us.armoredPublicKey),
    readPrivateKey(nl.armoredPrivateKey),
    readPublicKey(nl.armoredPublicKey),
  ]);
});

describe('encrypted bundles', () => {
  it('the recipient gets back the canonical bytes, whose hash and detached signature still hold', async () => {
    const signature = await signDetached(bytes, nlPrivate);
    const ciphertext = await encryptBundle(bytes, dePublic);
    expect(Buffer.from(ciphertext).includes(Buffer.from('"publisher"'))).toBe(false);
    // Uncompressed: the ciphertext costs a bounded overhead over the plaintext (the size limit keeps headroom for it).
    expect(ciphertext.byteLength - bytes.byteLength).toBeLessThan(300);
    const opened = await decryptBundle(ciphertext, dePrivate, LIMIT);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(Buffer.from(opened.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(bundleHash(opened.bytes)).toBe(bundleHash(bytes));
    expect(await verifyDetached(opened.bytes, signature, nlPublic)).toMatchObject({ ok: true });
  });

  it('a message for another key is BUNDLE_NOT_FOR_THIS_NODE, naming the key it is for', async () => {
    const ciphertext = await encryptBundle(bytes, usPublic);
    const opened = await decryptBundle(ciphertext, dePrivate, LIMIT);
    expect(opened).toMatchObject({ ok: false, code: 'BUNDLE_NOT_FOR_THIS_NODE' });
    expect(await decryptBundle(ciphertext, usPrivate, LIMIT)).toMatchObject({ ok: true });
  });

  it.each([
    ['random bytes', () => randomBytes(2048)],
    ['empty', () => new Uint8Array()],
    ['canonical JSON in clear', () => bytes],
  ])('%s: BUNDLE_DECRYPT_FAILED', async (_name, payload) => {
    expect(await decryptBundle(payload(), dePrivate, LIMIT)).toMatchObject({ ok: false, code: 'BUNDLE_DECRYPT_FAILED' });
  });

  it('a tampered ciphertext (one bit) does not decrypt', async () => {
    const ciphertext = await encryptBundle(bytes, dePublic);
    const tampered = Uint8Array.from(ciphertext);
    tampered[tampered.length - 40] ^= 0x01;
    expect(await decryptBundle(tampered, dePrivate, LIMIT)).toMatchObject({ ok: false, code: 'BUNDLE_DECRYPT_FAILED' });
  });

  it('a plaintext above the limit is BUNDLE_OVERSIZE, and a compressed bomb is cut off while it inflates', async () => {
    const big = new Uint8Array(LIMIT + 1).fill(0x20);
    expect(await decryptBundle(await encryptBundle(big, dePublic), dePrivate, LIMIT)).toMatchObject({ ok: false, code: 'BUNDLE_OVERSIZE' });
    // 64 MiB of zeros compress to ~64 KiB: well under any payload limit, far above the bundle limit.
    const bomb = await encrypt({
      message: await createMessage({ binary: new Uint8Array(64 * 1024 * 1024) }),
      encryptionKeys: dePublic,
      format: 'binary',
      config: { preferredCompressionAlgorithm: enums.compression.zlib },
    });
    expect(bomb.byteLength).toBeLessThan(LIMIT);
    const before = process.memoryUsage().rss;
    expect(await decryptBundle(bomb, dePrivate, LIMIT)).toMatchObject({ ok: false, code: 'BUNDLE_OVERSIZE' });
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('node keys can be encrypted to', async () => {
    expect(await canEncryptTo(dePublic)).toBe(true);
  });
});

// The wire protocol promises stock GnuPG 2.2 for signatures; the encrypted form must open there too.
const GPG = '/usr/bin/gpg';
const home = mkdtempSync(join(tmpdir(), 'palermo-gpg-enc-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('GnuPG 2.2 interop', () => {
  it('gpg --decrypt with the recipient key gives back the canonical bytes', async () => {
    writeFileSync(join(home, 'de-bka.key'), de.armoredPrivateKey);
    writeFileSync(join(home, 'bundle.json.gpg'), await encryptBundle(bytes, dePublic));
    const run = (...args: string[]) => spawnSync(GPG, ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8', timeout: 20_000 });
    expect(run('--import', join(home, 'de-bka.key')).status).toBe(0);
    const out = run('--output', join(home, 'bundle.json'), '--decrypt', join(home, 'bundle.json.gpg'));
    expect(out.stderr).not.toMatch(/failed/i);
    expect(out.status).toBe(0);
    expect(readFileSync(join(home, 'bundle.json')).equals(Buffer.from(bytes))).toBe(true);
    spawnSync('/usr/bin/gpgconf', ['--homedir', home, '--kill', 'all']);
  });
});
