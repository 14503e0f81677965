import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { hammingDistance, MAX_FINGERPRINT_TEXT_LENGTH, textFingerprint } from '@palermo/indicators';
import { UsageError } from '../node-env';

// An ad text is kilobytes; a file this big is the wrong file. (UTF-8: at most 4 bytes per character.)
const MAX_FILE_BYTES = MAX_FINGERPRINT_TEXT_LENGTH * 4;

/** `palermo fingerprint text|distance`: the SimHash of an ad text, offline, as every node computes it. */
export function registerFingerprint(program: Command): void {
  const fingerprint = program.command('fingerprint').description('fingerprint ad texts (text-fingerprint indicators) offline');
  fingerprint
    .command('text')
    .description('print the text-fingerprint value (simhash64:<16 hex>) of an ad text')
    .argument('[text]', 'the ad text (quote it); or use --file')
    .option('--file <file>', 'read the ad text from a UTF-8 file ("-" = standard input)')
    .action((text: string | undefined, opts: { file?: string }) => {
      if ((text === undefined) === (opts.file === undefined)) throw new UsageError('give the ad text as an argument or with --file, not both');
      const input = opts.file === undefined ? text! : readText(opts.file);
      process.stdout.write(`${textFingerprint(input)}\n`);
    });
  fingerprint
    .command('distance')
    .description('print how many bits two fingerprints or image hashes of the same algorithm differ in (0 = same)')
    .argument('<a>', 'e.g. simhash64:0f1e2d3c4b5a6978')
    .argument('<b>', 'a hash of the same algorithm')
    .action((a: string, b: string) => {
      process.stdout.write(`${hammingDistance(a.trim().toLowerCase(), b.trim().toLowerCase())}\n`);
    });
}

/** The file (or standard input) as UTF-8 text; refuses what is too big or not UTF-8. */
function readText(file: string): string {
  let bytes: Buffer;
  try {
    if (file !== '-' && statSync(file).size > MAX_FILE_BYTES) throw new UsageError(`--file ${file}: larger than ${MAX_FILE_BYTES} bytes; an ad text is far smaller`);
    bytes = readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (bytes.length > MAX_FILE_BYTES) throw new UsageError(`--file ${file}: larger than ${MAX_FILE_BYTES} bytes; an ad text is far smaller`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`--file ${file}: not UTF-8 text`);
  }
}
