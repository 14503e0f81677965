import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeStreamConfigs, provisionStreams } from '@palermo/federation';
import { repoRoot, startNatsServer, tempDir, type NatsServerHandle } from '@palermo/testing';
import { DE_BKA, OPERATOR } from '../integration/fixtures/nats-nkeys';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';

// A node started under deploy/nats/single-nkeys.conf before the operator provisioned its streams: it may not create
// them, so it keeps running, names each missing stream in /health, and picks them up once `palermo nats provision`
// (the same provisionStreams) has run.

let nats: NatsServerHandle;
let fed: Federation;
let de: TestNode;

beforeAll(async () => {
  nats = await startNatsServer({ configFile: join(repoRoot(), 'deploy', 'nats', 'single-nkeys.conf') });
  const seed = join(tempDir('palermo-nkeys-'), 'de-bka.nk');
  writeFileSync(seed, `${DE_BKA.seed}\n`, { mode: 0o600 });
  fed = await bootFederation([{ nodeId: 'de-bka', jurisdiction: 'DE', agreements: 'none', env: { NATS_NKEY_SEED_FILE: seed } }], 'postgres', nats);
  de = fed.node('de-bka');
}, 120_000);

afterAll(async () => {
  await fed?.stop();
  await nats?.stop();
});

describe('a node whose streams the operator has not provisioned yet', () => {
  // Every stream the operator provisions for a node is one the node needs (and looks up) at start.
  const streams = ['PALERMO_FEED_DE_BKA', 'PALERMO_RECEIPTS_DE_BKA', 'PALERMO_KEYS_DE_BKA', 'PALERMO_LOG_DE_BKA', 'PALERMO_FEEDBACK_DE_BKA'];

  it('stays up and names each missing stream in /health (STREAM_NOT_PROVISIONED), then uses them once provisioned', async () => {
    expect(nodeStreamConfigs('de-bka').map((s) => s.config.name).sort()).toEqual([...streams].sort());
    const missing = await eventually('all five streams reported missing', async () => {
      const body = (await de.api('GET', '/health', { role: 'auditor' })).body;
      return body?.nats?.connected === true && body.nats.streams?.length === streams.length ? body.nats.streams : undefined;
    });
    expect(missing.map((s: { stream: string }) => s.stream).sort()).toEqual([...streams].sort());
    for (const s of missing) expect(s.error).toMatch(new RegExp(`STREAM_NOT_PROVISIONED.*${s.stream}.*must be provisioned`));
    await provisionStreams({ servers: nats.url, seed: OPERATOR.seed, nodes: ['de-bka'] });
    await eventually('streams picked up', async () => {
      const body = (await de.api('GET', '/health', { role: 'auditor' })).body;
      return body?.nats?.connected === true && body.nats.streams === undefined ? true : undefined;
    });
  });
});
