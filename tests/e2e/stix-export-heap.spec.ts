import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStixObjects } from '@palermo/interop';
import { repoRoot, tempDir } from '@palermo/testing';
import { bootFederation, type Federation, type TestNode } from './support/federation.harness';

// The export streams: a node whose V8 heap is far smaller than the bundle it writes still exports
// every indicator (keyset pages from the database, written as they are read). The file is read back
// with the streaming STIX reader, never parsed whole.

const TOTAL = 100_000;
const BATCH = 5_000;
const HEAP_MB = 112;
const CLI = join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');

describe(`STIX export of ${TOTAL} indicators by a node with a ${HEAP_MB} MB heap`, () => {
  let fed: Federation;
  let nl: TestNode;

  beforeAll(async () => {
    fed = await bootFederation([{ nodeId: 'nl-police', jurisdiction: 'NL', agreements: 'none', env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } }]);
    nl = fed.node('nl-police');
    for (let start = 0; start < TOTAL; start += BATCH) {
      const indicators = Array.from({ length: BATCH }, (_, i) => ({
        type: 'keyword',
        value: `streamed export keyword number ${start + i}`,
        tlp: 'amber',
        tags: ['e2e:stix-heap'],
        description: 'x'.repeat(400),
      }));
      const res = await nl.api('POST', '/indicators', { body: { indicators } });
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    }
  }, 900_000);
  afterAll(async () => {
    await fed?.stop();
  });

  it('writes a bundle several times the heap, with every indicator in it', async () => {
    const out = join(tempDir('palermo-stix-heap-'), 'all.json');
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'stix', 'export', '--out', out, '--api', nl.url, '--token', nl.tokens.analyst], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stderr }));
    });
    expect(run).toEqual({ code: 0, stderr: '' });
    expect(statSync(out).size).toBeGreaterThan(HEAP_MB * 1024 * 1024);
    let indicators = 0;
    const values = new Set<string>();
    for await (const object of readStixObjects(createReadStream(out), { maxBytes: 2 * 1024 ** 3, maxDepth: 32 })) {
      const o = object as { type: string; name?: string };
      if (o.type === 'indicator') {
        indicators++;
        values.add(o.name!);
      }
    }
    expect(indicators).toBe(TOTAL);
    expect(values.size).toBe(TOTAL);
    // The node is still up and answering after the export.
    expect((await nl.api('GET', '/indicators?limit=1')).status).toBe(200);
  }, 900_000);
});
