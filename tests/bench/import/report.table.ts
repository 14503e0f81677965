import type { CheckResult } from './bundle-check.bench';
import type { CatchUpResult } from './catch-up.run';
import type { CopyResult } from './copy.bench';
import type { EndToEndResult } from './end-to-end.run';
import type { NodeCost } from './node.sampler';
import type { PolicyResult } from './policy.bench';
import type { ProfileSplit } from './profile.split';
import type { TransportResult } from './transport.bench';

/** Everything one bench run measured, plus what it ran on. */
export interface BenchReport {
  environment: string[];
  total: number;
  batch: number;
  e2e: EndToEndResult;
  catchUp: CatchUpResult;
  copy: CopyResult;
  transport: TransportResult;
  verify: CheckResult;
  parse: CheckResult;
  policy: PolicyResult;
  wallS: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const sec = (ms: number) => (ms / 1000).toFixed(2);
const s1 = (s: number | undefined) => (s === undefined ? '' : s.toFixed(1));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Rates: what each figure sustains in indicators/s, and end-to-end as a fraction of it. */
function rateTable(r: BenchReport): string {
  const e2eMs = r.e2e.timeline.allImportedMs;
  const e2eRate = (r.total * 1000) / e2eMs;
  const row = (name: string, ms: number, indicators: number): string[] => {
    const rate = (indicators * 1000) / ms;
    return [name, sec(ms), int(rate), (e2eRate / rate).toFixed(3), `${(rate / e2eRate).toFixed(1)}×`];
  };
  return table(
    ['figure', 'time s', 'indicators/s', 'e2e / figure', 'vs e2e'],
    [
      [`end to end: ${r.total / r.batch} POSTs on A → all kept in B`, sec(e2eMs), int(e2eRate), '1.000', '1.0×'],
      row('importer alone: C imports the backlog', r.catchUp.ms, r.catchUp.indicators),
      row('raw COPY into indicator-shaped table', r.copy.indicatorMs, r.copy.rows),
      row('raw COPY, indicator + import_decision', r.copy.indicatorMs + r.copy.decisionMs, r.copy.rows),
      row('JetStream publish+consume, same payloads', r.transport.ms, r.transport.indicators),
      row('openpgp verifyDetached, same bundles', r.verify.ms, r.verify.indicators),
      row('parseBundleBytes, same bundles (context)', r.parse.ms, r.parse.indicators),
      row('import policy: Cedar, fresh engine (context)', r.policy.coldMs, r.policy.indicators),
      row('import policy: Cedar, class cache warm (context)', r.policy.warmMs, r.policy.indicators),
    ],
  );
}

/** How much of the end-to-end time the import policy takes, and how much its class cache saves. */
function policyLine(r: BenchReport): string {
  const share = (100 * r.policy.coldMs) / r.e2e.timeline.allImportedMs;
  return (
    `import policy: ${r.policy.requests.toLocaleString('en-US')} decisions needed ${r.policy.evaluations.toLocaleString('en-US')} Cedar evaluations ` +
    `(the rest came from the equivalence-class cache); a fresh engine spent ${sec(r.policy.coldMs)} s = ${share.toFixed(1)}% of the end-to-end time`
  );
}

function costRow(name: string, c: NodeCost): string[] {
  const mib = (v: number | undefined) => (v === undefined ? '?' : int(v));
  return [name, s1(c.nodeCpuS), s1(c.pgCpuS), s1(c.sqlActiveS), s1(c.sqlIdleInTxS), mib(c.startRssMiB), mib(c.peakRssMiB)];
}

/** What each node cost: its CPU, its database backends' CPU, SQL time, memory. */
function costTable(r: BenchReport): string {
  const { publisher, importer } = r.e2e;
  return table(
    ['cost', 'node CPU s', 'PG CPU s', 'SQL active s', 'idle in tx s', 'RSS at start MiB', 'peak RSS MiB'],
    [
      costRow('A publisher, end-to-end window', publisher),
      costRow('B importer, end-to-end window', importer),
      costRow('C importer, catch-up window', r.catchUp.cost),
      ['nats-server, end-to-end window', s1(r.e2e.natsCpuS), '', '', '', '', ''],
    ],
  );
}

/** Profiled seconds per step, one column per node/window. */
function splitTable(columns: [string, ProfileSplit][]): string {
  const steps = [...new Set(columns.flatMap(([, p]) => p.steps.map((s) => s.step)))];
  const secondsOf = (p: ProfileSplit, step: string) => p.steps.find((s) => s.step === step)?.seconds ?? 0;
  steps.sort((x, y) => secondsOf(columns[1]?.[1] ?? columns[0][1], y) - secondsOf(columns[1]?.[1] ?? columns[0][1], x));
  const rows = steps.map((step) => [step, ...columns.map(([, p]) => s1(secondsOf(p, step)))]);
  rows.push(['window (wall)', ...columns.map(([, p]) => s1(p.windowS))]);
  return table(['CPU profile: seconds per step', ...columns.map(([name]) => name)], rows);
}

function hottestTable(title: string, split: ProfileSplit): string {
  return table([`${title}: hottest functions (self time)`, 'seconds'], split.hottest.map(({ frame, seconds }) => [frame.slice(0, 110), s1(seconds)]));
}

/** Without profiles: the importer's JS split estimated from the same code run in the bench process. */
function estimatedSplit(r: BenchReport): string {
  const c = r.catchUp.cost;
  const parseS = r.parse.ms / 1000;
  const verifyS = r.verify.ms / 1000;
  return table(
    ['importer C catching up, estimated split', 'seconds'],
    [
      ['parse + wire validation (same code, bench process)', s1(parseS)],
      ['openpgp verify (same code, bench process)', s1(verifyS)],
      ['rest of C node CPU (policy, JSON rows, driver, NATS, log)', s1(Math.max(0, c.nodeCpuS - parseS - verifyS))],
      ['SQL executing in PostgreSQL (active_time of C db)', s1(c.sqlActiveS)],
      ['wall', sec(r.catchUp.ms)],
    ],
  );
}

function profileTables(r: BenchReport): string[] {
  const p = r.e2e.profiles;
  const c = r.catchUp.profile;
  if (!p || !c) return [estimatedSplit(r)];
  const split = splitTable([
    ['B e2e', p.importer],
    ['C catch-up', c],
    ['A e2e', p.publisher],
  ]);
  return [split, '', hottestTable('importer C catching up', c), '', hottestTable('publisher A', p.publisher)];
}

function timelineTable(r: BenchReport): string {
  const t = r.e2e.timeline;
  return table(
    ['end-to-end timeline (s after the first POST)', 's'],
    [
      [`${r.total / r.batch} POSTs answered by A`, sec(t.postsDoneMs)],
      ['first bundle stored by A (signed)', sec(t.firstBundleStoredMs)],
      ['first bundle marked published by A (after its ack)', sec(t.firstBundlePublishedMs)],
      ['first bundle received by B (its commit starts)', sec(t.firstImportReceivedMs)],
      ['first import committed on B (polled)', sec(t.firstImportCommittedMs)],
      ['last bundle marked published by A (after its ack)', sec(t.lastBundlePublishedMs)],
      ['last bundle received by B (its commit starts)', sec(t.lastImportReceivedMs)],
      ['all indicators kept on B (polled)', sec(t.allImportedMs)],
    ],
  );
}

/** The final report, as plain-text tables. */
export function renderReport(r: BenchReport): string {
  const mb = (r.e2e.bundleBytes / 1024 / 1024).toFixed(1);
  const head = [
    `Palermo import benchmark — ${int(r.total)} indicators in ${r.total / r.batch} POSTs of ${int(r.batch)}; ${r.e2e.bundles} bundles (${mb} MiB canonical JSON) on B's chain`,
    ...r.environment,
    `B kept ${int(r.e2e.imported)} indicators (${r.e2e.importerLog.imported} import log lines); C imported ${int(r.catchUp.indicators)} in its timed window; ` +
      `COPY text ${(r.copy.bytes / 1024 / 1024).toFixed(1)} MiB (generated beforehand in ${sec(r.copy.generateMs)} s, streamed from a temp file); whole run ${s1(r.wallS)} s`,
  ];
  const consumers = [...r.e2e.consumers, ...r.catchUp.consumers].map(
    (c) => `${c.durable}: ${c.delivered} deliveries up to stream seq ${c.streamSeq}, ${c.redelivered} redelivered, ${c.ackPending} unacked`,
  );
  const log = r.e2e.importerLog;
  const quiet = `(${log.streamNotFound} "stream not found" warning(s) at boot for partners that never publish are not shown)`;
  const warnings = log.warnings.length ? [`B warnings ${quiet}:`, ...log.warnings.map((w) => `  ${w}`)] : [`B logged no other warnings ${quiet}.`];
  return [...head, '', rateTable(r), policyLine(r), '', costTable(r), '', ...profileTables(r), '', timelineTable(r), '', 'consumers (nats-server /jsz):', ...consumers.map((c) => `  ${c}`), ...warnings].join('\n');
}
