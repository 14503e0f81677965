import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it for port 0).
 * Another process may still grab it before the caller binds; tests accept that small race.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not obtain a free port'))));
    });
  });
}

/** A fresh directory under the OS temp dir, named `palermo-<prefix>-XXXXXX`; the caller removes it. */
export function tempDir(prefix: string): string {
  const safe = prefix.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 40) || 'tmp';
  return mkdtempSync(join(tmpdir(), `palermo-${safe}-`));
}
