import { existsSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, tempDir } from './free-port.helper';

describe('freePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1024);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('tempDir', () => {
  it.each([
    ['plain', 'palermo-plain-'],
    ['with/slash and space', 'palermo-with-slash-and-space-'],
  ])('creates a fresh directory for prefix %j', (prefix, expected) => {
    const dir = tempDir(prefix);
    const other = tempDir(prefix);
    try {
      expect(statSync(dir).isDirectory()).toBe(true);
      expect(basename(dir).startsWith(expected)).toBe(true);
      expect(other).not.toBe(dir);
    } finally {
      for (const made of [dir, other]) rmSync(made, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});
