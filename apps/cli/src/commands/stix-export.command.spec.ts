import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../api.client';
import { exportStix } from './stix-export.command';

// `stix export --out FILE` against a stand-in node: FILE appears only when the bundle arrived whole.

describe('stix export --out', () => {
  let server: Server;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'palermo-stix-export-cli-'));
  const complete = '{"type":"bundle","id":"bundle--01234567-0123-4123-8123-0123456789ab","objects":[]}\n';

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/stix+json;version=2.1', 'x-palermo-pseudonym-only-withheld': '3' });
      if (req.url?.includes('cut')) {
        // Headers and the start of the bundle, then the node dies.
        res.write('{"type":"bundle","id":"bundle--x","objects":[\n{"type":"identity"');
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end(complete);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes FILE whole and leaves no .partial behind', async () => {
    const out = join(dir, 'whole.json');
    expect(await exportStix(new ApiClient(url, 't'), { out })).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe(complete);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('leaves neither FILE nor FILE.partial when the node cuts the stream, and keeps an earlier FILE', async () => {
    const fresh = join(dir, 'cut.json');
    await expect(exportStix(new ApiClient(url, 't'), { out: fresh, collection: 'cut' })).rejects.toThrow();
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(`${fresh}.partial`)).toBe(false);

    const earlier = join(dir, 'earlier.json');
    writeFileSync(earlier, complete);
    await expect(exportStix(new ApiClient(url, 't'), { out: earlier, collection: 'cut' })).rejects.toThrow();
    expect(readFileSync(earlier, 'utf8')).toBe(complete);
    expect(existsSync(`${earlier}.partial`)).toBe(false);
  });
});
