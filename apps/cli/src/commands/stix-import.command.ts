import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { TLP_LEVELS } from '@palermo/indicators';
import { ApiClient, type ApiOptions } from '../api.client';
import { UsageError } from '../node-env';

interface ImportOptions extends ApiOptions {
  tlp?: string;
  adopt?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** What POST /stix/import and POST /misp/import answer (the parts the CLI prints). */
export interface ImportAnswer {
  importId: string;
  dryRun: boolean;
  counts: Record<'created' | 'updated' | 'unchanged' | 'revoked' | 'ignored' | 'failed', number>;
  /** Objects of another Palermo origin taken as own (adopt=true), and from which nodes. */
  adopted?: number;
  adoptedFrom?: Record<string, number>;
  failures: { index: number; id: string | null; type: string | null; code: string; reason: string }[];
  skipped?: { uuid?: string; type: string; code: string; reason: string }[];
  skippedTotal?: number;
}

/**
 * The `palermo stix` command, made once: `stix import` (here) and `stix export` (the export
 * command's file) both hang under it, whichever registers first.
 */
export function stixCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'stix') ?? program.command('stix').description('STIX 2.1 files: import into and export from a running node');
}

/** Options every import command shares. */
export function withImportApi(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'report what would happen, change nothing')
    .option('--json', 'print the full JSON report')
    .option('--api <url>', 'node API URL (default PALERMO_API_URL or the port in the node config)')
    .option('--token <token>', 'analyst or admin token (default PALERMO_TOKEN)')
    .option('--data-dir <dir>', 'node data dir (to find its port)');
}

/** `palermo stix import FILE`: streams a STIX 2.1 bundle to the node (never read whole). */
export function registerStixImport(program: Command): void {
  withImportApi(
    stixCommand(program)
      .command('import')
      .description('import a STIX 2.1 bundle as own indicators of the node (all or nothing; re-importing is idempotent)')
      .argument('<file>', 'STIX 2.1 bundle (JSON)')
      .option('--tlp <level>', `TLP for unmarked objects: ${TLP_LEVELS.join(', ')} (default amber)`)
      .option('--adopt', "take indicators another Palermo node published as this node's own (refused by default: they must arrive through that node's feed)"),
  ).action(async (file: string, opts: ImportOptions) => {
    if (opts.tlp !== undefined && !(TLP_LEVELS as readonly string[]).includes(opts.tlp)) throw new UsageError(`--tlp ${opts.tlp}: expected one of ${TLP_LEVELS.join(', ')}`);
    checkFile(file);
    const query = new URLSearchParams();
    if (opts.tlp) query.set('tlp', opts.tlp);
    if (opts.dryRun) query.set('dryRun', 'true');
    if (opts.adopt) query.set('adopt', 'true');
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    const answer = await ApiClient.from(opts).stream<ImportAnswer>('POST', `/stix/import${query.size ? `?${query}` : ''}`, body, 'application/stix+json;version=2.1');
    printReport(answer, opts.json);
  });
}

/** Refuses a path that is not a readable regular file, before any network call. */
export function checkFile(file: string): void {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`${file}: no such file`);
  }
  if (!isFile) throw new UsageError(`${file}: not a file`);
}

/** Prints an import report (counts, then each listed failure and skip). */
export function printReport(answer: ImportAnswer, json?: boolean): void {
  if (json) return void process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  const c = answer.counts;
  const lines = [
    `${answer.dryRun ? 'dry run (nothing changed)' : 'imported'} ${answer.importId}: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, revoked ${c.revoked}, ignored ${c.ignored}, failed ${c.failed}`,
    ...answer.failures.map((f) => `  failed  #${f.index} ${f.id ?? '(no id)'}: ${f.code} ${f.reason}`),
  ];
  if (answer.adopted) {
    const from = Object.entries(answer.adoptedFrom ?? {}).map(([node, n]) => `${node} ${n}`).join(', ');
    lines.push(`  adopted ${answer.adopted} indicator(s) of other Palermo nodes as own (${from})`);
  }
  if (c.failed > answer.failures.length) lines.push(`  … and ${c.failed - answer.failures.length} more failure(s) (--json for the listed ones)`);
  for (const s of answer.skipped ?? []) lines.push(`  skipped ${s.uuid ?? '(no uuid)'} ${s.type}: ${s.code} ${s.reason}`);
  if ((answer.skippedTotal ?? 0) > (answer.skipped?.length ?? 0)) lines.push(`  … and ${answer.skippedTotal! - answer.skipped!.length} more skipped`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
