import { freePort, startNatsServer, type NatsServerHandle } from '@palermo/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from './feed.test-fixtures';
import type { NatsState } from './federation.types';
import { NatsConnection } from './nats.connection';

describe('NatsConnection (real nats-server)', () => {
  let server: NatsServerHandle;

  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('health() shows a lost connection and its recovery', async () => {
    const connection = new NatsConnection({ natsUrl: server.url, name: 'be-police', reconnectTimeWaitMs: 200 });
    connection.start();
    try {
      await connection.connected();
      const up = connection.health();
      expect(up).toMatchObject({ connected: true, state: 'connected', server: `127.0.0.1:${server.port}`, reconnects: 0 });

      const states = new Set<NatsState>();
      const watcher = setInterval(() => states.add(connection.health().state), 10);
      await server.kill('SIGKILL');
      await waitFor('the loss to show', () => connection.health().state === 'reconnecting');
      const down = connection.health();
      expect(down.connected).toBe(false);
      expect(down.lastError).toMatch(/disconnected/);
      expect(Date.parse(down.since)).toBeGreaterThanOrEqual(Date.parse(up.since));

      await server.restart();
      await waitFor('the recovery to show', () => connection.health().connected);
      clearInterval(watcher);
      expect([...states]).toEqual(expect.arrayContaining(['disconnected', 'reconnecting']));
      expect(connection.health()).toMatchObject({ connected: true, state: 'connected', reconnects: 1 });
    } finally {
      await connection.close();
    }
    expect(connection.health()).toMatchObject({ connected: false, state: 'closed' });
  });

  it('keeps trying when the server is not up yet, and connects once it is', async () => {
    const port = await freePort();
    const connection = new NatsConnection({ natsUrl: `nats://127.0.0.1:${port}`, name: 'late', reconnectTimeWaitMs: 200 });
    connection.start();
    let late: NatsServerHandle | undefined;
    try {
      await sleep(500);
      expect(connection.health()).toMatchObject({ connected: false, state: 'connecting' });
      expect(connection.health().lastError).toBeDefined();
      await expect(connection.connected(0)).rejects.toMatchObject({ code: 'NATS_UNAVAILABLE' });
      late = await startNatsServer({ port });
      await connection.connected(10_000);
      expect(connection.health()).toMatchObject({ connected: true, server: `127.0.0.1:${port}` });
    } finally {
      await connection.close();
      await late?.stop();
    }
  });

  it('close() returns promptly while the server is down', async () => {
    const doomed = await startNatsServer();
    const connection = new NatsConnection({ natsUrl: doomed.url, name: 'closing', reconnectTimeWaitMs: 200 });
    connection.start();
    try {
      await connection.connected();
      await doomed.kill('SIGKILL');
      await waitFor('the loss to show', () => !connection.health().connected);
      const started = Date.now();
      await connection.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(connection.health().state).toBe('closed');
    } finally {
      await doomed.stop();
    }
  });

  it('close() ends a connection that never connected, and waiting on it fails', async () => {
    const port = await freePort();
    const connection = new NatsConnection({ natsUrl: `nats://127.0.0.1:${port}`, name: 'never', reconnectTimeWaitMs: 200 });
    connection.start();
    const waiting = connection.connected(30_000).catch((err: unknown) => err);
    await connection.close();
    expect(await waiting).toMatchObject({ code: 'NATS_UNAVAILABLE' });
    expect(connection.health().state).toBe('closed');
  });
});
