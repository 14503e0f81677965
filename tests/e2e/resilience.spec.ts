import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFederation, eventually, type DatabaseKind, type Federation, type TestNode } from './support/federation.harness';
import { FaultsJetStream } from './support/faults.jetstream';
import {
  assertUnbrokenChain,
  chainBundles,
  decisionCount,
  indicatorsFrom,
  phoneIndicators,
  publishIndicators,
  quarantined,
  since,
  type BundleRow,
} from './support/faults.probes';

// A subscriber that is down, or that JetStream serves the same bundle twice, must end up with the
// publisher's chain exactly as published: complete, in order, nothing twice, nothing quarantined.

const A = 'nl-police';
const B = 'de-bka';
const PER_BATCH = 3;
const BATCHES = 5;

/** What B holds of A's community chain, as B's users can see it. */
async function snapshot(b: TestNode) {
  const inbound = await chainBundles(b, 'in', A, 'all');
  const indicators = await indicatorsFrom(b, A);
  return {
    bundles: inbound.map((x) => x.hash),
    indicators: indicators.map((i) => `${i.id}@${i.version}=${i.value}`).sort(),
    decisions: await decisionCount(b, inbound.map((x) => x.hash)),
    quarantined: (await quarantined(b)).length,
  };
}

/** Publishes one batch on A and waits until A has published it as a bundle of its own on `all`. */
async function publishOneBundle(a: TestNode, first: number, expectedOut: number): Promise<BundleRow> {
  await publishIndicators(a, phoneIndicators(first, PER_BATCH));
  const out = await eventually(
    `${A} to publish bundle #${expectedOut} on its community chain`,
    async () => {
      const chain = await chainBundles(a, 'out', A, 'all');
      return chain.length === expectedOut && chain.every((x) => x.publishedAt !== null) && chain;
    },
    30_000,
  );
  return out[out.length - 1];
}

describe.each<DatabaseKind>(['postgres', 'pglite'])('a partner that was offline or is served a bundle twice (%s)', (db) => {
  let fed: Federation;
  let a: TestNode;
  let b: TestNode;
  let js: FaultsJetStream;

  beforeAll(async () => {
    fed = await bootFederation(
      [
        { nodeId: A, jurisdiction: 'NL' },
        { nodeId: B, jurisdiction: 'DE' },
      ],
      db,
    );
    a = fed.node(A);
    b = fed.node(B);
    js = new FaultsJetStream(fed.nats.url);
    // B is really subscribed (its durable consumer exists) before it goes away.
    await eventually(`${B}'s consumer of ${A}'s community chain`, () => js.consumerState(A, B, 'all'), 30_000);
  });

  afterAll(async () => {
    await js?.close();
    await fed?.stop();
  });

  it('imports all 5 bundles published while it was down, in chain order, once it is back', async () => {
    await b.process.stop();
    const sent: BundleRow[] = [];
    for (let i = 0; i < BATCHES; i++) sent.push(await publishOneBundle(a, 610_000_000 + i * 100, i + 1));
    expect(sent.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
    // Nothing reached B while it was down: all 5 wait for it on the stream.
    const waiting = await js.consumerState(A, B, 'all');
    expect(waiting.pending + waiting.ackPending).toBe(BATCHES);

    const started = performance.now();
    await b.process.restart();
    const inbound = await eventually(
      `${B} to import ${BATCHES} bundles after its restart`,
      async () => {
        const chain = await chainBundles(b, 'in', A, 'all');
        return chain.length >= BATCHES && chain;
      },
      60_000,
    );
    console.info(`[resilience ${db}] restart + catch-up of ${BATCHES} bundles: ${since(started)} ms`);

    // Stored (= imported, one transaction each) in chain order, and nothing else on the chain.
    expect(inbound.map((x) => x.hash)).toEqual(sent.map((x) => x.hash));
    assertUnbrokenChain(inbound);
    const received = inbound.map((x) => Date.parse(x.receivedAt ?? ''));
    expect(received.every((t, i) => Number.isFinite(t) && (i === 0 || t >= received[i - 1]))).toBe(true);
    expect(inbound.map((x) => [x.upsertCount, x.acceptedCount])).toEqual(Array(BATCHES).fill([PER_BATCH, PER_BATCH]));

    const values = (await indicatorsFrom(b, A)).map((x) => x.value).sort();
    const expected = Array.from({ length: BATCHES }, (_, i) => phoneIndicators(610_000_000 + i * 100, PER_BATCH).map((x) => x.value)).flat().sort();
    expect(values).toEqual(expected);
    expect(await quarantined(b)).toEqual([]);
  });

  it('imports nothing twice when JetStream delivers already-imported bundles again', async () => {
    const sent = await chainBundles(a, 'out', A, 'all');
    expect(sent).toHaveLength(BATCHES);
    const before = await snapshot(b);
    expect(before.bundles).toHaveLength(BATCHES);

    // The first bundle and the chain head, byte for byte with their signatures, under new message ids.
    const copies = [];
    for (const original of [sent[0], sent[BATCHES - 1]]) {
      const copy = await js.republish(A, original.streamSeq!, `${original.hash}-redelivered`);
      expect(copy.headers['Palermo-Hash']).toBe(original.hash);
      copies.push(copy.streamSeq);
    }
    const lastCopy = Math.max(...copies);
    await eventually(
      `${B} to acknowledge the redelivered copies (up to stream seq ${lastCopy})`,
      async () => {
        const state = await js.consumerState(A, B, 'all');
        return state.ackFloorStreamSeq >= lastCopy && state.ackPending === 0 && state.pending === 0;
      },
      30_000,
    );

    expect(await snapshot(b)).toEqual(before);

    // The chain goes on as if nothing happened: A's next bundle (seq 6) imports normally.
    const next = await publishOneBundle(a, 610_000_000 + BATCHES * 100, BATCHES + 1);
    const inbound = await eventually(
      `${B} to import seq ${next.seq} after the redeliveries`,
      async () => {
        const chain = await chainBundles(b, 'in', A, 'all');
        return chain.length === BATCHES + 1 && chain;
      },
      30_000,
    );
    assertUnbrokenChain(inbound);
    expect(inbound[BATCHES].hash).toBe(next.hash);
    expect((await indicatorsFrom(b, A)).length).toBe((BATCHES + 1) * PER_BATCH);
    expect(await quarantined(b)).toEqual([]);
  });
});
