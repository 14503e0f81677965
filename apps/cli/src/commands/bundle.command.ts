import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { bundleHash, dearmorSignature, parseBundleBytes, readPublicKey, verifyDetached, type Bundle } from '@palermo/bundles';
import { UsageError } from '../node-env';

/** Exit codes of `bundle verify`: 0 valid, 1 invalid (one line says why), 2 usage. */
export const EXIT = { valid: 0, invalid: 1, usage: 2 } as const;

/** Accepts the armored form (GET /bundles/:hash/signature) and the binary one (the NATS header). */
async function signatureFromFile(file: Buffer): Promise<Uint8Array> {
  const text = file.toString('latin1');
  return text.trimStart().startsWith('-----BEGIN PGP SIGNATURE-----') ? dearmorSignature(text) : file;
}

function readInput(flag: string, path: string): Buffer {
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such file`);
  if (!statSync(path).isFile()) throw new UsageError(`${flag} ${path}: not a regular file`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** `palermo bundle verify|inspect`: check a bundle offline, exactly as a partner node would. */
export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('check bundles offline');
  bundle
    .command('verify')
    .description('verify a bundle file against a detached signature (binary or armored) and a public key')
    .requiredOption('--bundle <file>', 'the canonical bundle bytes (GET /bundles/:hash/raw)')
    .requiredOption('--signature <file>', 'the detached signature (GET /bundles/:hash/signature)')
    .requiredOption('--key <file>', "the publisher's armored public key (palermo keys export)")
    .action(async (opts: { bundle: string; signature: string; key: string }) => {
      const bytes = readInput('--bundle', opts.bundle);
      const signatureFile = readInput('--signature', opts.signature);
      const keyFile = readInput('--key', opts.key);
      const verdict = await verifyFiles(bytes, signatureFile, keyFile);
      process.stdout.write(`${verdict.line}\n`);
      process.exitCode = verdict.ok ? EXIT.valid : EXIT.invalid;
    });
  bundle
    .command('inspect')
    .description('summarize a bundle file: chain position, hash, entries by op, type and TLP')
    .argument('<file>', 'bundle file')
    .action((file: string) => {
      const bytes = readInput('<file>', file);
      const parsed = parseBundleBytes(bytes, { maxBytes: Number.MAX_SAFE_INTEGER });
      if (!parsed.ok) {
        process.stdout.write(`invalid: ${parsed.code}: ${parsed.message}\nsha256 ${bundleHash(bytes)}\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      process.stdout.write(describe(parsed.bundle, parsed.hash, bytes.length));
    });
}

async function verifyFiles(bytes: Uint8Array, signatureFile: Buffer, keyFile: Buffer): Promise<{ ok: boolean; line: string }> {
  let key;
  try {
    key = await readPublicKey(keyFile.toString('utf8'));
  } catch (err) {
    return { ok: false, line: `invalid: KEY_UNREADABLE: ${(err as Error).message}` };
  }
  let signature: Uint8Array;
  try {
    signature = await signatureFromFile(signatureFile);
  } catch (err) {
    return { ok: false, line: `invalid: BUNDLE_SIGNATURE_INVALID: unreadable signature (${(err as Error).message})` };
  }
  const result = await verifyDetached(bytes, signature, key);
  if (!result.ok) return { ok: false, line: `invalid: ${result.code}: ${result.message}` };
  const parsed = parseBundleBytes(bytes, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) return { ok: false, line: `invalid: ${parsed.code}: signature is good but the bundle is not valid: ${parsed.message}` };
  const b = parsed.bundle;
  return { ok: true, line: `valid: ${b.publisher} → ${b.audience} seq ${b.seq}, sha256 ${parsed.hash}, signed by ${result.fingerprint}` };
}

function describe(b: Bundle, hash: string, size: number): string {
  const tally = (keys: string[]) => [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${k} ${n}`).join(', ') || '-';
  const upserts = b.entries.flatMap((e) => (e.op === 'upsert' ? [e.indicator] : []));
  return [
    `spec       ${b.spec}`,
    `id         ${b.id}`,
    `chain      ${b.publisher} → ${b.audience}, seq ${b.seq}, prev ${b.prev ?? '(none: first bundle)'}`,
    `created    ${b.createdAt}`,
    `sha256     ${hash}`,
    `size       ${size} bytes`,
    `entries    ${b.entries.length}: ${tally(b.entries.map((e) => e.op))}`,
    `types      ${tally(upserts.map((i) => i.type))}`,
    `tlp        ${tally(upserts.map((i) => i.tlp))}`,
    '',
  ].join('\n');
}
