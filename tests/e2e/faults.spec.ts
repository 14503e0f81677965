import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { FaultsJetStream } from './support/faults.jetstream';
import { assertUnbrokenChain, chainBundles, phoneIndicators, publishIndicators, quarantined, since } from './support/faults.probes';
import { StoredRows } from './support/faults.stored-rows';

// A 10,000-indicator sync survives the broker or the importing node dying in the middle of it:
// afterwards the partner holds every indicator exactly once, with one decision each, and nothing
// was quarantined. Small bundles on A (64 KiB → ~50 per sync) make "the middle" easy to hit.

const A = 'nl-police';
const B = 'de-bka';
const TOTAL = 10_000;
/** Kill once B has imported at least this many of the sync (and not all of them). */
const KILL_AFTER = 3_000;

/** Polls B's database until the sync is under way, and returns how far it got; fails if it already finished. */
async function waitForMiddle(rows: StoredRows, prefix: string, what: string): Promise<number> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { rows: n } = await rows.valueCounts(A, prefix);
    if (n >= TOTAL) throw new Error(`${what}: the sync finished (${n}) before the fault could be injected; make it slower`);
    if (n >= KILL_AFTER) return n;
    if (Date.now() > deadline) throw new Error(`${what}: B imported only ${n} of ${TOTAL} in 90 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a 10,000-indicator sync that loses its broker or its importer half-way', () => {
  let fed: Federation;
  let a: TestNode;
  let b: TestNode;
  let rows: StoredRows;
  let js: FaultsJetStream;

  beforeAll(async () => {
    fed = await bootFederation([
      { nodeId: A, jurisdiction: 'NL', env: { PALERMO_BUNDLE_MAX_BYTES: '65536' } },
      { nodeId: B, jurisdiction: 'DE' },
    ]);
    a = fed.node(A);
    b = fed.node(B);
    rows = await StoredRows.open(b);
    js = new FaultsJetStream(fed.nats.url);
  });

  afterAll(async () => {
    await rows?.close();
    await js?.close();
    await fed?.stop();
  });

  /** Everything A sent on its community chain is on B, once, in order, and nothing else happened. */
  async function expectCompleteSync(expected: number): Promise<void> {
    const stored = await rows.counts(A);
    const sent = await chainBundles(a, 'out', A, 'all');
    const received = await chainBundles(b, 'in', A, 'all');
    expect(stored).toEqual({
      indicators: expected,
      distinctIndicators: expected,
      decisions: expected,
      decisionsDistinctIndicators: expected,
      inboundBundles: sent.length,
      quarantined: 0,
    });
    expect(received.map((x) => x.hash)).toEqual(sent.map((x) => x.hash));
    assertUnbrokenChain(received);
    expect(received.reduce((n, x) => n + x.acceptedCount, 0)).toBe(expected);
    expect(await quarantined(b)).toEqual([]);
  }

  it('completes with every indicator exactly once after nats-server is SIGKILLed mid-sync and restarted', async () => {
    const t0 = performance.now();
    await publishIndicators(a, phoneIndicators(610_000_000, TOTAL));
    const posted = since(t0);
    const atKill = await waitForMiddle(rows, '+3161', 'broker kill');
    const killedAt = since(t0);
    await fed.nats.kill('SIGKILL');

    // B's operator sees the lost broker on /health rather than a silent stall.
    const down = await eventually(
      `${B} /health to report NATS down`,
      async () => {
        const res = await b.api('GET', '/health');
        return res.status === 503 && res.body.nats.connected === false && res.body;
      },
      15_000,
    );
    expect(down.status).toBe('degraded');
    const whileDown = await rows.valueCounts(A, '+3161');
    await new Promise((r) => setTimeout(r, 1_000));
    await fed.nats.restart();
    const restartedAt = since(t0);

    await eventually(`${B} to hold all ${TOTAL} indicators`, async () => (await rows.indicatorCount(A)) >= TOTAL, 120_000);
    const doneAt = since(t0);
    await eventually(`${B} /health to be ok again`, async () => (await b.api('GET', '/health')).status === 200, 30_000);
    await eventually(`${B} to have acknowledged the whole chain`, async () => {
      const state = await js.consumerState(A, B, 'all');
      return state.pending === 0 && state.ackPending === 0;
    });
    console.info(
      `[faults nats-kill] POST ${posted} ms; killed at ${killedAt} ms with ${atKill}/${TOTAL} imported (${whileDown.rows} when down); ` +
        `restarted at ${restartedAt} ms; all ${TOTAL} at ${doneAt} ms; ${(await chainBundles(a, 'out', A, 'all')).length} bundles`,
    );
    await expectCompleteSync(TOTAL);
  });

  it('completes with every indicator and decision exactly once after the importing node is SIGKILLed mid-import', async () => {
    const t0 = performance.now();
    await publishIndicators(a, phoneIndicators(620_000_000, TOTAL));
    const posted = since(t0);
    const atKill = await waitForMiddle(rows, '+3162', 'importer kill');
    const killedAt = since(t0);
    await b.process.kill('SIGKILL');
    const whileDown = await rows.valueCounts(A, '+3162');
    await b.process.restart();
    const restartedAt = since(t0);

    await eventually(`${B} to hold all ${2 * TOTAL} indicators after its restart`, async () => (await rows.indicatorCount(A)) >= 2 * TOTAL, 150_000);
    const doneAt = since(t0);
    await eventually(`${B} to have acknowledged the whole chain`, async () => {
      const state = await js.consumerState(A, B, 'all');
      return state.pending === 0 && state.ackPending === 0;
    });
    console.info(
      `[faults importer-kill] POST ${posted} ms; killed at ${killedAt} ms with ${atKill}/${TOTAL} imported (${whileDown.rows} after the kill); ` +
        `restarted (healthz) at ${restartedAt} ms; all ${TOTAL} at ${doneAt} ms`,
    );
    expect(await rows.valueCounts(A, '+3162')).toEqual({ rows: TOTAL, distinctValues: TOTAL });
    await expectCompleteSync(2 * TOTAL);
  });
});
