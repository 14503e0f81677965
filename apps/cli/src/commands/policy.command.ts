import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BASELINE_POLICY_TEXT, checkPolicyText, DEFAULT_POLICY_TEXT, POLICY_SCHEMA_TEXT } from '@palermo/policy';
import { ApiClient, type ApiOptions } from '../api.client';
import { UsageError } from '../node-env';

interface SimulateOptions extends ApiOptions {
  policy?: string;
  bundle?: string;
  last?: string;
  json?: boolean;
}

interface Verdict {
  action: string;
  reasons: string[];
}

interface Simulation {
  live: { version: number; sha256: string };
  candidate: { sha256: string } | null;
  bundles: { hash: string | null; publisher: string; audience: string; seq: number; entries: { entryIndex: number; originId: string; type: string; tlp: string; recorded: Verdict | null; live: Verdict; candidate: Verdict | null; changed: boolean }[] }[];
  summary: { bundles: number; entries: number; changed: number };
}

/** `palermo policy validate|simulate`: check a policy offline; ask a running node what a policy would do. */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('jurisdiction policy (Cedar): validate offline, simulate on a running node');
  policy
    .command('validate')
    .description('check a policy file against the schema and the baseline; prints FILE:line:column for every problem (exit 1)')
    .argument('<file>', 'the Cedar policy text')
    .action((file: string) => {
      const problems = checkPolicyText(readText('policy file', file));
      for (const p of problems) process.stdout.write(`${file}:${p.line}:${p.column}: ${p.severity}: ${p.policyId ? `[${p.policyId}] ` : ''}${p.message}\n`);
      if (problems.length > 0) {
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${file}: valid\n`);
    });
  policy
    .command('show')
    .description('print what every policy is written against: the Cedar schema, the baseline (TLP 2.0 and agreements) or the default policy')
    .argument('<what>', 'schema | baseline | default')
    .action((what: string) => {
      const texts: Record<string, string> = { schema: POLICY_SCHEMA_TEXT, baseline: BASELINE_POLICY_TEXT, default: DEFAULT_POLICY_TEXT };
      if (!texts[what]) throw new UsageError(`${what}: expected schema, baseline or default`);
      process.stdout.write(texts[what]);
    });
  policy
    .command('simulate')
    .description('run the live policy (and --policy FILE as a candidate) on a bundle file or the last N received bundles; shows what would change')
    .option('--policy <file>', 'candidate policy to compare with the live one')
    .option('--bundle <file>', 'a bundle JSON file (as received) instead of the last received bundles')
    .option('--last <n>', 'how many received bundles to re-decide (default 20)')
    .option('--json', 'print the full answer as JSON')
    .option('--api <url>', 'node API URL (default PALERMO_API_URL or the port in the node config)')
    .option('--token <token>', 'policy-officer or auditor token (default PALERMO_TOKEN)')
    .option('--data-dir <dir>', 'node data dir (to find its port)')
    .action(async (opts: SimulateOptions) => {
      if (opts.bundle && opts.last) throw new UsageError('give either --bundle or --last, not both');
      const last = opts.last === undefined ? undefined : Number(opts.last);
      if (last !== undefined && (!Number.isInteger(last) || last < 1 || last > 200)) throw new UsageError(`--last ${opts.last}: expected 1 to 200`);
      const body = {
        policy: opts.policy ? readText('--policy', opts.policy) : undefined,
        bundle: opts.bundle ? parseJsonFile('--bundle', opts.bundle) : undefined,
        last,
      };
      const result = await ApiClient.from(opts).call<Simulation>('POST', '/policy/simulate', body);
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : render(result));
    });
}

function render(result: Simulation): string {
  const against = result.candidate ? `candidate ${result.candidate.sha256.slice(0, 12)} vs live v${result.live.version}` : `live v${result.live.version} vs recorded`;
  const lines = [`${against}: ${result.summary.changed} of ${result.summary.entries} decision(s) would change in ${result.summary.bundles} bundle(s)`];
  for (const bundle of result.bundles) {
    lines.push(`${bundle.publisher}/${bundle.audience}#${bundle.seq} ${bundle.hash?.slice(0, 12) ?? '(given)'}`);
    for (const e of bundle.entries) {
      const before = result.candidate ? e.live : e.recorded;
      const after = result.candidate ? e.candidate! : e.live;
      const mark = e.changed ? '*' : ' ';
      lines.push(` ${mark} #${e.entryIndex} ${e.type} ${e.tlp} ${before ? `${before.action} → ` : ''}${after.action} (${after.reasons.join(', ')})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function readText(flag: string, path: string): string {
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such file`);
  return readFileSync(path, 'utf8');
}

function parseJsonFile(flag: string, path: string): Record<string, unknown> {
  try {
    return JSON.parse(readText(flag, path)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag} ${path}: not JSON (${(err as Error).message})`);
  }
}
