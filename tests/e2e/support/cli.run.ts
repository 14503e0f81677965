import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@palermo/testing';

/** The built `palermo` command (e2e tests run what `npm run build` made). */
export const CLI_MAIN = join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');

/** The environment without the node's own settings, so a CLI run reads only what a test passes. */
export const CLEAN_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && !entry[0].startsWith('PALERMO_') && !['DATABASE_URL', 'NATS_URL', 'PORT', 'HOST'].includes(entry[0]),
  ),
);

/** What a `palermo` run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `palermo <args>` in `cwd` with CLEAN_ENV plus `env`, to its end. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: options.cwd, env: { ...CLEAN_ENV, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
