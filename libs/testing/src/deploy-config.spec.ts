import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.helper';
import { startNatsServer } from './nats-server.helper';

const SINGLE_CONF = join(__dirname, '../../../deploy/nats/single.conf');

describe('deploy/nats/single.conf', () => {
  it('boots the real server with JetStream in the given store dir', async () => {
    const server = await startNatsServer({ configFile: SINGLE_CONF });
    try {
      expect(server.logs()).toContain(`Store Directory: "${server.storeDir}/jetstream"`);
      expect(server.logs()).toContain('Name:     palermo-single');
      const nc = await connect({ servers: server.url });
      expect(nc.info?.max_payload).toBe(1024 * 1024);
      expect(nc.info?.jetstream).toBe(true);
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'SMOKE', subjects: ['smoke.>'] });
      const ack = await jetstream(nc).publish('smoke.one', 'hello', { msgID: 'one' });
      expect(ack).toMatchObject({ stream: 'SMOKE', seq: 1, duplicate: false });
      await nc.close();
    } finally {
      await server.stop();
    }
  });

  it('refuses to start, naming the variable, when PALERMO_NATS_STORE_DIR is not set', async () => {
    const [port, monitor] = [await freePort(), await freePort()];
    const { PALERMO_NATS_STORE_DIR: _unset, ...env } = process.env;
    const run = spawnSync('/usr/sbin/nats-server', ['-c', SINGLE_CONF, '-p', String(port), '-m', String(monitor)], {
      env,
      encoding: 'utf8',
      timeout: 5_000, // if it wrongly started, this kills it
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr + run.stdout).toMatch(/variable reference for 'PALERMO_NATS_STORE_DIR'.*can not be found/);
  });
});
