import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { blind, decodeElement, evaluate, finalize, generateKey, lookupInput, prfOutput, type BlindedLookup } from '@palermo/lookups';

/**
 * The raw OPRF math of a hit/no-hit lookup (not a test): ops/s of each RFC 9497 step as libs/lookups runs
 * it (ristretto255-SHA512 on @noble/curves), on one core, in this process. It tells the node wiring what a
 * lookup costs each side and how long a PRF table takes to build; the end-to-end lookup bench (three partners
 * over NATS) reuses measureOprf for its "raw OPRF math" row.
 * Run: `npm run bench:lookup`. BENCH_OPRF_MS sets the time per step (default 2000 ms).
 */

/** One step's figures. */
export interface OprfStep {
  step: string;
  ops: number;
  /** Ops per second of wall time: what this process got on a machine shared with others. */
  opsPerS: number;
  /** Ops per second of this process's CPU time: the cost per core, less sensitive to the machine's load. */
  opsPerCpuS: number;
  p50Us: number;
  p99Us: number;
}

const MS_PER_STEP = Number(process.env.BENCH_OPRF_MS ?? 2000);
const DISTINCT_INPUTS = 1024;

/** Runs `op` on rotating prepared arguments for about `ms`, timing every call. */
function measure(step: string, ms: number, op: (i: number) => unknown): OprfStep {
  for (let i = 0; i < 50; i++) op(i); // warm-up: JIT and noble's precomputed base-point tables
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  for (let i = 0; now - start < ms; i++) {
    const t0 = performance.now();
    op(i);
    now = performance.now();
    samples.push(now - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 1000;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { step, ops: samples.length, opsPerS: (samples.length * 1000) / (now - start), opsPerCpuS: samples.length / cpuS, p50Us: at(0.5), p99Us: at(0.99) };
}

function check<T extends { ok: boolean }>(result: T): T & { ok: true } {
  if (!result.ok) throw new Error(`bench setup failed: ${JSON.stringify(result)}`);
  return result as T & { ok: true };
}

/** Every step of a lookup, each for about `ms` on distinct inputs: querier, responder, and the responder's table. */
export function measureOprf(ms = MS_PER_STEP): OprfStep[] {
  const key = generateKey();
  const rawKey = ristretto255_oprf.oprf.generateKeyPair().secretKey;
  const inputs = Array.from({ length: DISTINCT_INPUTS }, (_, i) => check(lookupInput({ type: 'keyword', value: `bench keyword ${i}` })).input);
  const blinded: BlindedLookup[] = inputs.map((input) => blind(input));
  const evaluated = blinded.map((b) => check(evaluate(key, b.blindedElement)).evaluatedElement);
  const blindedBytes = blinded.map((b) => Buffer.from(b.blindedElement, 'hex'));
  const n = (i: number) => i % DISTINCT_INPUTS;
  return [
    measure('lookupInput (normalization check + encoding)', ms, (i) => lookupInput({ type: 'keyword', value: `bench keyword ${n(i)}` })),
    measure('blind (querier)', ms, (i) => blind(inputs[n(i)]!)),
    measure('evaluate (responder, element checked)', ms, (i) => evaluate(key, blinded[n(i)]!.blindedElement)),
    measure('  of which decodeElement (wire check)', ms, (i) => decodeElement(blinded[n(i)]!.blindedElement)),
    measure('  noble blindEvaluate alone (context)', ms, (i) => ristretto255_oprf.oprf.blindEvaluate(rawKey, blindedBytes[n(i)]!)),
    measure('finalize (querier, element checked)', ms, (i) => finalize(inputs[n(i)]!, blinded[n(i)]!.blind, evaluated[n(i)]!)),
    measure('prfOutput (responder table entry)', ms, (i) => prfOutput(key, inputs[n(i)]!)),
    measure('whole lookup, one partner (blind+evaluate+finalize)', ms, (i) => {
      const b = blind(inputs[n(i)]!);
      const e = evaluate(key, b.blindedElement);
      return e.ok && finalize(inputs[n(i)]!, b.blind, e.evaluatedElement);
    }),
  ];
}

function nobleVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(process.cwd(), 'node_modules/@noble/curves/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** The figures as a plain-text table, with what they imply for the node. */
export function renderOprf(steps: OprfStep[]): string {
  const int = (v: number) => Math.round(v).toLocaleString('en-US');
  const rows = steps.map((s) => [s.step, int(s.opsPerCpuS), int(s.opsPerS), int(s.p50Us), int(s.p99Us), int(s.ops)]);
  const header = ['step (one thread)', 'ops/CPU-s', 'ops/wall-s', 'p50 µs', 'p99 µs', 'ops'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  // Derived figures use CPU time: the cost per core, whatever else the machine was doing.
  const rate = (prefix: string) => steps.find((s) => s.step.startsWith(prefix))!.opsPerCpuS;
  const table100k = 100_000 / rate('prfOutput');
  const querier = 1 / (1 / rate('blind') + 1 / rate('finalize'));
  return [
    line(header),
    rule,
    ...rows.map(line),
    '',
    `a responder answers ~${int(rate('evaluate'))} lookups/s per core (evaluate only; the match step is a table look-up);`,
    `a querier spends ${(1000 / querier).toFixed(2)} ms of CPU per partner asked (blind + finalize), ~${int(querier)} partner-lookups/s per core;`,
    `a PRF table of 100,000 lookup-eligible indicators takes ~${table100k.toFixed(0)} s of one core to build (after every key rotation).`,
  ].join('\n');
}

if (require.main === module) {
  const environment = `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}; @noble/curves ${nobleVersion()}; ${MS_PER_STEP} ms per step`;
  process.stdout.write(`Palermo lookup OPRF benchmark — RFC 9497 OPRF mode, ristretto255-SHA512\n${environment}\n\n${renderOprf(measureOprf())}\n`);
}
