import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrivateKey, signReceipt, type NodePrivateKey, type Receipt } from '@palermo/bundles';
import { feedStreamName, NatsConnection, ReceiptChannel, receiptStreamName } from '@palermo/federation';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { listAll } from './support/hostile.node-io';

// Step 7 of a bundle's journey with real nodes: nl-police publishes, de-bka and us-hsi import and
// send signed receipts back over JetStream, nl-police verifies them and shows per partner and per
// bundle what became of what it sent. A side connection plays the broker operator and a forger
// (the harness's nats-server has no per-node permissions; deploy-nats.spec.ts proves those).
const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;
let side: NatsConnection;
let channel: ReceiptChannel;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    // de-bka gives up on a gap it cannot heal after two attempts (the last test needs a quarantine).
    { nodeId: B, jurisdiction: 'DE', env: { PALERMO_RESYNC_MAX_ATTEMPTS: '2' } },
    { nodeId: C, jurisdiction: 'US' },
  ]);
  [nl, de, us] = [fed.node(A), fed.node(B), fed.node(C)];
  side = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-receipts' });
  side.start();
  channel = new ReceiptChannel(side);
});

afterAll(async () => {
  await side?.close();
  await fed?.stop();
});

let counter = 0;
/** Publishes one indicator on nl-police and returns the hash of the bundle that carried it to `audience`. */
async function publishOne(tlp: 'clear' | 'green', audience: string): Promise<{ hash: string; seq: number; streamSeq: number }> {
  const before = new Set((await listAll(nl, `/bundles?direction=out`)).map((b) => b.hash));
  const value = `receipts-e2e-${++counter}-${Date.now()}`;
  const res = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'keyword', value, tlp, confidence: 95, tags: ['ht:recruitment'] }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return eventually(`a published ${audience} bundle carrying ${value}`, async () => {
    const fresh = (await listAll(nl, `/bundles?direction=out`)).filter((b) => !before.has(b.hash) && b.audience === audience && b.publishedAt);
    return fresh[0] ? { hash: fresh[0].hash, seq: fresh[0].seq, streamSeq: fresh[0].streamSeq } : undefined;
  });
}

/** nl-police's status of one chain to `partner`. */
async function chain(partner: string, audience: string) {
  const res = await nl.api('GET', `/partners/${partner}/status`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.chains.find((c: { audience: string }) => c.audience === audience);
}

const receiptsOf = async (hash: string) => (await nl.api('GET', `/bundles/${hash}`)).body.receipts as any[];
const keyOf = (node: TestNode): Promise<NodePrivateKey> => readPrivateKey(readFileSync(join(node.dataDir, 'keys', 'node-private.asc'), 'utf8'));
const quarantineCodes = async () => (await listAll(nl, '/quarantine')).map((q) => `${q.publisher} ${q.code}`);

describe('signed receipts', () => {
  it('a partner chain: de-bka imports, nl-police shows the bundle imported with its counts', async () => {
    const sent = await publishOne('green', B);
    const receipts = await eventually('de-bka’s receipt', async () => {
      const list = await receiptsOf(sent.hash);
      return list.length > 0 ? list : undefined;
    });
    expect(receipts).toEqual([expect.objectContaining({ recipient: B, outcome: 'imported', counts: { accepted: 1, pseudonymized: 0, rejected: 0 }, quarantineReason: null, signer: de.fingerprint })]);
    const status = await chain(B, B);
    expect(status).toMatchObject({ audience: B, lastSeqSent: sent.seq, lastSeqReceipted: sent.seq, quarantined: 0 });
    expect(status.imported).toBe(status.receipted);
    expect(status.counts.accepted).toBeGreaterThanOrEqual(1);
  });

  it('the community chain: one receipt per partner that read the bundle', async () => {
    const sent = await publishOne('clear', 'all');
    const receipts = await eventually('receipts from de-bka and us-hsi', async () => {
      const list = await receiptsOf(sent.hash);
      return list.length >= 2 ? list : undefined;
    });
    expect(receipts.map((r) => `${r.recipient} ${r.outcome}`).sort()).toEqual([`${B} imported`, `${C} imported`]);
    expect(await chain(C, 'all')).toMatchObject({ lastSeqReceipted: sent.seq, outstanding: 0 });
    // The receipt and its audit entries: issued on de-bka, received on nl-police.
    const issued = await listAll(de, '/audit?action=receipt.issued');
    const received = await listAll(nl, '/audit?action=receipt.received');
    expect(issued.some((e) => e.details?.bundleHash === sent.hash)).toBe(true);
    expect(received.filter((e) => e.details?.bundleHash === sent.hash).map((e) => e.details.recipient).sort()).toEqual([B, C]);
  });

  it('refuses forged receipts (signed by another node, or about a bundle nl-police never sent) and counts a duplicate once', async () => {
    const sent = await publishOne('clear', 'all');
    await eventually('both receipts', async () => ((await receiptsOf(sent.hash)).length >= 2 ? true : undefined));
    const before = await chain(B, 'all');
    const usKey = await keyOf(us);
    const deKey = await keyOf(de);
    const base: Receipt = { spec: 'palermo/receipt@1', publisher: A, recipient: B, bundleHash: sent.hash, seq: sent.seq, audience: 'all', receivedAt: new Date().toISOString(), outcome: 'quarantined', counts: { accepted: 0, pseudonymized: 0, rejected: 0 }, quarantineReason: 'FORGED' };
    const send = async (receipt: Receipt, key: NodePrivateKey, recipientSubject: string, msgId?: string) => {
      const signed = await signReceipt(receipt, key);
      await channel.publish({ publisher: A, recipient: recipientSubject, receiptHash: msgId ?? signed.hash, payload: signed.bytes, signature: signed.signature, signerFingerprint: signed.signer });
      return signed;
    };
    // us-hsi signs a receipt in de-bka's name, on de-bka's subject.
    await send(base, usKey, B);
    // us-hsi, in its own name, about a bundle nl-police never sent.
    await send({ ...base, recipient: C, bundleHash: 'e'.repeat(64) }, usKey, C);
    // de-bka's genuine key, but sent on us-hsi's subject.
    await send({ ...base, quarantineReason: 'FORGED_TOO' }, deKey, C);
    await eventually('three refusals in quarantine', async () => {
      const codes = await quarantineCodes();
      return [`${B} RECEIPT_SIGNER_MISMATCH`, `${C} RECEIPT_UNKNOWN_BUNDLE`, `${C} RECEIPT_SIGNER_MISMATCH`].every((c) => codes.includes(c)) ? true : undefined;
    });
    // A genuine de-bka receipt delivered twice (a new Nats-Msg-Id gets past JetStream's dedupe): stored once.
    const genuine = { ...base, outcome: 'imported' as const, counts: { accepted: 1, pseudonymized: 0, rejected: 0 }, quarantineReason: undefined, receivedAt: new Date(Date.now() + 1000).toISOString() };
    delete genuine.quarantineReason;
    const signed = await send(genuine, deKey, B);
    await send(genuine, deKey, B, 'f'.repeat(64));
    await eventually('the duplicate read', async () => ((await listAll(nl, '/audit?action=receipt.received')).some((e) => e.subjectId === signed.hash) ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500));
    const fromDe = (await receiptsOf(sent.hash)).filter((r) => r.recipient === B);
    expect(fromDe.map((r) => r.receiptHash).filter((h) => h === signed.hash)).toHaveLength(1);
    expect((await listAll(nl, '/audit?action=receipt.received')).filter((e) => e.subjectId === signed.hash)).toHaveLength(1);
    // The chain still counts that bundle once, and nothing forged made it quarantined.
    const after = await chain(B, 'all');
    expect(after).toMatchObject({ sent: before.sent, receipted: before.receipted, quarantined: 0 });
  });

  it('a receipt that could not be sent at import time is published after de-bka restarts', async () => {
    await de.process.stop();
    const sent = await publishOne('green', B);
    await nl.process.stop();
    // nl-police's receipts stream is gone while de-bka imports: nothing can take the receipt.
    const jsm = await side.jetstreamManager(15_000);
    await jsm.streams.delete(receiptStreamName(A));
    await de.process.restart();
    await eventually('de-bka imports the bundle', async () => ((await de.api('GET', `/bundles/${sent.hash}`)).status === 200 ? true : undefined));
    // Its publish attempt fails (no stream answers): the receipt waits in de-bka's outbox, and health says so.
    await eventually('the receipt pending on de-bka', async () => ((await de.api('GET', '/health', { role: 'auditor' })).body.receipts?.pending ?? 0) >= 1);
    await de.process.stop();
    await nl.process.restart();
    await eventually('nl-police has its receipts stream again', async () => (await jsm.streams.info(receiptStreamName(A))) ?? undefined);
    expect(await receiptsOf(sent.hash)).toEqual([]);
    await de.process.restart();
    const receipts = await eventually('the receipt, after de-bka’s restart', async () => {
      const list = await receiptsOf(sent.hash);
      return list.length > 0 ? list : undefined;
    });
    expect(receipts).toEqual([expect.objectContaining({ recipient: B, outcome: 'imported', counts: { accepted: 1, pseudonymized: 0, rejected: 0 } })]);
    expect(await chain(B, B)).toMatchObject({ lastSeqReceipted: sent.seq, outstanding: 0 });
  });

  it('a bundle de-bka quarantines shows as quarantined with its reason', async () => {
    await de.process.stop();
    const lost = await publishOne('green', B);
    const next = await publishOne('green', B);
    // The broker loses `lost` and nl-police is down, so it cannot resync it: de-bka sees a gap at `next`,
    // waits its two attempts, then quarantines `next` (its receipt waits in nl-police's receipts stream).
    const jsm = await side.jetstreamManager(15_000);
    await jsm.streams.deleteMessage(feedStreamName(A), lost.streamSeq);
    await nl.process.stop();
    await de.process.restart();
    await eventually('de-bka gives up on the gap', async () => ((await listAll(de, '/quarantine')).some((q) => q.code === 'CHAIN_SEQ_GAP') ? true : undefined));
    const onDe = (await de.api('GET', `/partners/${A}/status`)).body.inbound.find((c: { audience: string }) => c.audience === B);
    expect(onDe).toMatchObject({ state: 'broken', missing: { fromSeq: lost.seq, toSeq: lost.seq }, lastError: expect.stringMatching(/^CHAIN_SEQ_GAP: .*gave up after 2 attempts/) });
    await nl.process.restart();
    const receipts = await eventually('de-bka’s quarantine receipt', async () => {
      const list = await receiptsOf(next.hash);
      return list.length > 0 ? list : undefined;
    });
    expect(receipts).toEqual([expect.objectContaining({ recipient: B, outcome: 'quarantined', quarantineReason: 'CHAIN_SEQ_GAP', counts: { accepted: 0, pseudonymized: 0, rejected: 0 } })]);
    const status = await chain(B, B);
    expect(status).toMatchObject({ lastSeqSent: next.seq, lastSeqReceipted: next.seq, quarantined: 1, outstanding: 1 });
    expect(status.quarantinedBundles).toEqual([expect.objectContaining({ bundleHash: next.hash, seq: next.seq, reason: 'CHAIN_SEQ_GAP' })]);
  });
});
