import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { NatsConnection } from '@palermo/federation';
import { bootFederation, eventually, type Federation, type TestNode } from '../../e2e/support/federation.harness';
import { measureOprf } from './oprf.bench';

/**
 * End-to-end lookup benchmark (not a test): one querier node asks three responder nodes "do you know
 * this?" through POST /api/v1/lookups — HTTP, normalization, per partner a fresh blind, a signed request and
 * a signed match over NATS request-reply, the responders' checks, evaluate, table look-up and audit on both
 * sides. Beside it, in the same run and on the same nats-server: the raw NATS request-reply round trip
 * (an echo responder, a payload the size of a lookup request), and the raw OPRF math (measureOprf).
 * Real node processes on fresh PostgreSQL test databases, booted by the e2e harness.
 * Run: `npm run bench:lookup-e2e`. BENCH_LOOKUPS sets the number of lookups (default 300), half of them hits.
 */

const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 300);
const HELD = 50;
const RESPONDERS = ['bench-r1', 'bench-r2', 'bench-r3'];
const QUERIER = 'bench-q';

Logger.overrideLogger(['error', 'warn']);

interface Figures {
  p50: number;
  p99: number;
  mean: number;
  n: number;
}

function figures(samples: number[]): Figures {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
}

async function tableComplete(node: TestNode): Promise<void> {
  await eventually(`${node.nodeId}'s lookup table`, async () => {
    const epochs = ((await node.api('GET', '/health', { role: 'admin' })).body.lookups?.epochs ?? []) as { state: string; builtSeq: string; headSeq: string }[];
    return epochs.some((e) => e.state === 'active' && e.builtSeq === e.headSeq);
  }, 120_000);
}

async function lookups(q: TestNode): Promise<{ samples: number[]; hits: number }> {
  const samples: number[] = [];
  let hits = 0;
  for (let i = 0; i < 10 + LOOKUPS; i++) {
    const value = i % 2 === 0 ? `bench held ${i % HELD}` : `bench missed ${i}`;
    const t0 = performance.now();
    const res = await q.api('POST', '/lookups', { body: { type: 'keyword', value, partners: RESPONDERS, purpose: 'investigation' } });
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`lookup ${i}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    const results = res.body.results as { result: string }[];
    if (results.some((r) => r.result !== 'hit' && r.result !== 'no-hit')) throw new Error(`lookup ${i}: ${JSON.stringify(results)}`);
    if (i < 10) continue; // warm-up
    samples.push(ms);
    if (results.every((r) => r.result === 'hit')) hits++;
  }
  return { samples, hits };
}

/** Raw NATS request-reply on the same server: an echo responder, a payload the size of a signed lookup request. */
async function rawRoundTrip(fed: Federation, n: number): Promise<number[]> {
  const server = new NatsConnection({ natsUrl: fed.nats.url, name: 'bench-echo' });
  const client = new NatsConnection({ natsUrl: fed.nats.url, name: 'bench-asker' });
  server.start();
  client.start();
  try {
    const s = await server.connected(15_000);
    const c = await client.connected(15_000);
    const sub = s.subscribe('bench.echo');
    void (async () => {
      for await (const m of sub) m.respond(m.data);
    })();
    await s.flush();
    const payload = new Uint8Array(900).fill(97);
    const samples: number[] = [];
    for (let i = 0; i < n + 50; i++) {
      const t0 = performance.now();
      await c.request('bench.echo', payload, { timeout: 5_000 });
      if (i >= 50) samples.push(performance.now() - t0);
    }
    sub.unsubscribe();
    return samples;
  } finally {
    await client.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  process.stderr.write(`booting ${QUERIER} and ${RESPONDERS.join(', ')}…\n`);
  const fast = { PALERMO_LOOKUP_RATE_PER_MINUTE: '100000', PALERMO_LOOKUP_TABLE_IDLE_MS: '100' };
  const fed = await bootFederation([
    { nodeId: QUERIER, jurisdiction: 'NL', agreements: RESPONDERS.map((partner) => ({ partner, terms: { lookups: true } })), env: fast },
    ...RESPONDERS.map((nodeId, i) => ({ nodeId, jurisdiction: ['DE', 'FR', 'BE'][i]!, agreements: [{ partner: QUERIER, terms: { lookups: true } }], env: fast })),
  ]);
  try {
    const responders = RESPONDERS.map((id) => fed.node(id));
    for (const r of responders) {
      const indicators = Array.from({ length: HELD }, (_, i) => ({ type: 'keyword', value: `bench held ${i}`, tlp: 'green', confidence: 70 }));
      const made = await r.api('POST', '/indicators', { body: { indicators } });
      if (made.status !== 201) throw new Error(`${r.nodeId}: ${made.status} ${JSON.stringify(made.body).slice(0, 300)}`);
    }
    await Promise.all(responders.map(tableComplete));
    process.stderr.write(`booted in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${LOOKUPS} lookups across three partners…\n`);
    const lookup = await lookups(fed.node(QUERIER));
    process.stderr.write('raw NATS request-reply…\n');
    const rtt = figures(await rawRoundTrip(fed, 2000));
    process.stderr.write('raw OPRF math…\n');
    const whole = measureOprf(1000).find((s) => s.step.startsWith('whole lookup'))!;
    const l = figures(lookup.samples);
    const fmt = (v: number) => v.toFixed(2);
    const oprfMs = { p50: whole.p50Us / 1000, p99: whole.p99Us / 1000 };
    const rows: [string, string, string, string][] = [
      ['POST /lookups, three partners (HTTP to answer)', fmt(l.p50), fmt(l.p99), String(l.n)],
      ['raw NATS request-reply round trip (900 B echo)', fmt(rtt.p50), fmt(rtt.p99), String(rtt.n)],
      ['raw OPRF math, one partner (blind+evaluate+finalize)', fmt(oprfMs.p50), fmt(oprfMs.p99), String(whole.ops)],
    ];
    const header: [string, string, string, string] = ['what', 'p50 ms', 'p99 ms', 'n'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const line = (cells: string[]) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
    const rule = `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
    const environment = `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}; node ${process.version}`;
    process.stdout.write(
      [
        'Palermo lookup benchmark — one querier, three responders, real nodes over one nats-server',
        environment,
        '',
        line(header),
        rule,
        ...rows.map(line),
        '',
        `${lookup.hits} of ${l.n} lookups were hits at all three partners (the rest no-hits everywhere)`,
        `lookup p50 / raw NATS round trip p50: ${(l.p50 / rtt.p50).toFixed(1)}× (a lookup is two round trips per partner, partners in parallel)`,
        `lookup p50 / raw OPRF math p50: ${(l.p50 / oprfMs.p50).toFixed(1)}× (three partners' math run in parallel on three responders; the querier blinds and finalizes three times)`,
        `lookup p99 / raw NATS round trip p99: ${(l.p99 / rtt.p99).toFixed(1)}×; lookup p99 / raw OPRF math p99: ${(l.p99 / oprfMs.p99).toFixed(1)}×`,
        '',
      ].join('\n'),
    );
  } finally {
    await fed.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
