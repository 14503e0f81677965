import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '@palermo/testing';

// `palermo demo --once` is the first thing a new user runs: three nodes, a local nats-server, a report.
// It must finish on its own, show agreements at work, explain every decision with rule ids, and
// leave nothing running.

const CLI = join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');
const DEADLINE_MS = 170_000;

interface Report {
  decided: number;
  counts: Record<'imported' | 'pseudonymized' | 'rejected', number>;
  rows: Record<'imported' | 'pseudonymized' | 'rejected', string[]>;
}

/** Splits the demo's report into one section per partner. */
function parseReport(stdout: string): Map<string, Report> {
  const reports = new Map<string, Report>();
  const sections = stdout.split(/^(?=\S+ \([A-Z]{2}\) decided on)/m).slice(1);
  for (const section of sections) {
    const head = /^(\S+) \([A-Z]{2}\) decided on (\d+) indicator\(s\) from nl-police:$/m.exec(section);
    if (!head) continue;
    const report: Report = { decided: Number(head[2]), counts: { imported: 0, pseudonymized: 0, rejected: 0 }, rows: { imported: [], pseudonymized: [], rejected: [] } };
    let current: keyof Report['counts'] | undefined;
    for (const line of section.split('\n').slice(1)) {
      const count = /^ {2}(imported|pseudonymized|rejected): (\d+)$/.exec(line);
      if (count) {
        current = count[1] as keyof Report['counts'];
        report.counts[current] = Number(count[2]);
      } else if (current && line.startsWith('    ')) {
        report.rows[current].push(line.trim());
      } else if (line.trim() !== '') {
        current = undefined;
      }
    }
    reports.set(head[1]!, report);
  }
  return reports;
}

/** Processes (other than this one) whose command line or environment mentions `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes(text) || environ.includes(text)) found.push(`${pid}: ${cmdline.slice(0, 160)}`);
    } catch {
      // the process ended while we looked, or is not ours to read
    }
  }
  return found;
}

describe('palermo demo --once', () => {
  let dataDir: string;
  let run: { code: number | null; signal: string | null; stdout: string; stderr: string; ms: number };

  beforeAll(async () => {
    dataDir = join(tempDir('e2e-demo'), 'demo');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PALERMO_') && !['DATABASE_URL', 'NATS_URL', 'PORT'].includes(k)));
    const started = Date.now();
    run = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'demo', '--once', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      // SIGINT is what a user would press; the demo must clean up on it too.
      const timer = setTimeout(() => child.kill('SIGINT'), DEADLINE_MS);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
      });
    });
  });

  afterAll(() => {
    if (dataDir) rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('exits 0 on its own within about three minutes', () => {
    expect(run.stderr, run.stdout.slice(-2000)).not.toMatch(/^\s+at /m);
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.ms).toBeLessThan(DEADLINE_MS);
  });

  it('says a local nats-server was started, that both agreements were approved, and that the red indicator stays home', () => {
    expect(run.stdout).toMatch(/^\[demo\] NATS nats:\/\/127\.0\.0\.1:\d+ \(local nats-server started for the demo\)$/m);
    for (const line of ['nl-police → de-bka active', 'nl-police → us-hsi active', 'de-bka → nl-police active', 'us-hsi → nl-police active']) {
      expect(run.stdout).toContain(`[demo] agreement ${line}`);
    }
    expect(run.stdout).toMatch(/^nl-police published 13 indicators and decided, per audience/m);
    expect(run.stdout).not.toContain('+31 20 123 4567');
    expect(run.stdout).not.toContain('+31201234567');
    // Every reason is a rule id of the baseline or of a jurisdiction policy; the retired config rules are gone.
    expect(run.stdout).not.toMatch(/\bimport\.[a-z-]+/);
  });

  it('shows what nl-police withheld from each partner under its agreement, and why', () => {
    const withheld = (partner: string) => {
      const block = new RegExp(`^ {2}to ${partner}: (\\d+) sent \\(the TLP:CLEAR ones on the community chain\\), (\\d+) withheld:\\n((?: {4}.*\\n)*)`, 'm').exec(run.stdout);
      expect(block, partner).not.toBeNull();
      return { sent: Number(block![1]), rows: block![3]!.trim().split('\n').map((row) => row.trim()) };
    };
    const toDe = withheld('de-bka');
    expect(toDe.sent).toBe(12);
    expect(toDe.rows).toEqual([expect.stringMatching(/^phone \(value not shown\) \[TLP:RED c95\] +baseline\.tlp-above-agreement$/)]);
    const toUs = withheld('us-hsi');
    expect(toUs.sent).toBe(7);
    const reason = (prefix: string) => toUs.rows.find((row) => row.startsWith(prefix))?.replace(/^.*\]\s+/, '');
    expect(reason('username')).toBe('baseline.tlp-above-agreement');
    expect(reason('crypto-wallet')).toBe('baseline.tlp-above-agreement');
    expect(reason('iban')).toBe('baseline.type-not-agreed, baseline.tlp-above-agreement');
    expect(reason('keyword')).toBe('baseline.type-not-agreed');
    expect(reason('image-hash')).toBe('baseline.tlp-above-agreement');
    expect(toUs.rows).toHaveLength(6);
  });

  it('shows per partner how many indicators were imported, pseudonymized and rejected', () => {
    const reports = parseReport(run.stdout);
    expect([...reports.keys()]).toEqual(['de-bka', 'us-hsi']);
    expect(reports.get('de-bka')!.decided).toBe(12);
    expect(reports.get('us-hsi')!.decided).toBe(7);
    for (const [partner, r] of reports) {
      expect(r.counts.imported + r.counts.pseudonymized + r.counts.rejected, partner).toBe(r.decided);
      for (const kind of ['imported', 'pseudonymized', 'rejected'] as const) expect(r.rows[kind], `${partner} ${kind}`).toHaveLength(r.counts[kind]);
    }
  });

  it('explains de-bka: personal identifiers kept only as pseudonyms (its agreement and its EU policy), nothing rejected', () => {
    const de = parseReport(run.stdout).get('de-bka')!;
    expect(de.counts).toEqual({ imported: 8, pseudonymized: 4, rejected: 0 });
    expect(de.rows.pseudonymized.map((row) => row.split(' ')[0]).sort()).toEqual(['email', 'iban', 'phone', 'username']);
    for (const row of de.rows.pseudonymized) expect(row).toMatch(/ eu\.pseudonymize-personal-identifiers$/);
    for (const kind of ['phone', 'email', 'iban']) expect(de.rows.pseudonymized.find((row) => row.startsWith(kind))).toContain('baseline.pseudonymize-agreed');
    for (const row of de.rows.imported) expect(row).toMatch(/ eu\.import, eu\.import-values$/);
  });

  it('explains us-hsi: only what its agreement let through arrives, and low confidence is ignored by its policy', () => {
    const us = parseReport(run.stdout).get('us-hsi')!;
    expect(us.counts).toEqual({ imported: 6, pseudonymized: 0, rejected: 1 });
    expect(us.rows.rejected).toEqual([expect.stringMatching(/^domain .*\[TLP:GREEN c40\] +nored\.ignore-low-confidence$/)]);
  });

  it('ends with each node URL and one token per role', () => {
    const access = run.stdout.slice(run.stdout.indexOf('Nodes (OpenAPI at <url>/api/docs'));
    expect(access).not.toBe('');
    const tokens: string[] = [];
    for (const node of ['nl-police', 'de-bka', 'us-hsi']) {
      const block = new RegExp(`^ {2}${node} +(http://127\\.0\\.0\\.1:\\d+)\\n((?: {4}\\S+ +plm_\\S+\\n){5})`, 'm').exec(access);
      expect(block, node).not.toBeNull();
      const roles = block![2]!.trim().split('\n').map((line) => line.trim().split(/ +/));
      // Two policy officers: agreements need a second one to approve (four-eyes).
      expect(roles.map(([role]) => role)).toEqual(['analyst', 'policy-officer', 'policy-officer-2', 'auditor', 'admin']);
      tokens.push(...roles.map(([, token]) => token!));
    }
    expect(new Set(tokens).size).toBe(15);
  });

  it('leaves no nats-server or node process running, and the node URLs stop answering', async () => {
    expect(processesMentioning(dataDir)).toEqual([]);
    const urls = [...run.stdout.matchAll(/^ {2}\S+ +(http:\/\/127\.0\.0\.1:\d+)$/gm)].map((m) => m[1]!);
    expect(urls).toHaveLength(3);
    for (const url of urls) await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
