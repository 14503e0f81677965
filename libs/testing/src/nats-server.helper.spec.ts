import { existsSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from './nats-server.helper';

const reachable = async (url: string): Promise<boolean> => {
  try {
    const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 });
    await nc.close();
    return true;
  } catch {
    return false;
  }
};

describe('startNatsServer', () => {
  it('starts a JetStream server that accepts connections, survives SIGKILL + restart with its store, and cleans up', async () => {
    const server = await startNatsServer();
    try {
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
      expect(await reachable(server.url)).toBe(true);
      const nc = await connect({ servers: server.url });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
      await nc.close();

      await server.kill('SIGKILL');
      expect(server.running()).toBe(false);
      expect(await reachable(server.url)).toBe(false);

      await server.restart();
      expect(server.running()).toBe(true);
      const again = await connect({ servers: server.url });
      const info = await (await jetstreamManager(again)).streams.info('KEEP');
      expect(info.config.subjects).toEqual(['keep.>']);
      await again.close();
      const health = await fetch(`${server.monitorUrl}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(server.running()).toBe(false);
    expect(existsSync(server.storeDir)).toBe(false);
    await server.stop(); // idempotent
  });

  it('restart() also works while the server is still running', async () => {
    const server = await startNatsServer();
    try {
      await server.restart();
      expect(await reachable(server.url)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('rejects with the server log when the server cannot start', async () => {
    await expect(startNatsServer({ args: ['--no-such-flag'] })).rejects.toThrow(/nats-server exited early/);
  });
});
