import { Logger } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CheckpointSchedule } from './checkpoint.schedule';
import { KickedWorker } from './kicked.worker';

const logger = new Logger('test');

describe('KickedWorker', () => {
  it('coalesces a burst of kicks into one more run after the one in progress', async () => {
    const args: (string | undefined)[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = new KickedWorker<string>(logger, 'test', async (arg) => {
      args.push(arg);
      if (args.length === 1) await gate;
    });
    worker.kick('first');
    for (let i = 0; i < 10; i++) worker.kick('burst');
    release();
    await worker.idle();
    expect(args).toEqual(['first', undefined]);
  });

  it('survives a failed run and runs nothing once stopped', async () => {
    let runs = 0;
    const worker = new KickedWorker(logger, 'test', async () => {
      runs++;
      throw new Error('database went away');
    });
    worker.kick();
    await worker.idle();
    await worker.stop();
    worker.kick();
    await worker.idle();
    expect([runs, worker.stopped]).toEqual([1, true]);
  });
});

describe('CheckpointSchedule', () => {
  it('lets a caller during a round join it and get its result', async () => {
    let rounds = 0;
    const schedule = new CheckpointSchedule(logger, 'test', 60_000, async () => ++rounds);
    const [a, b] = await Promise.all([schedule.now(), schedule.now()]);
    expect([a, b, await schedule.now()]).toEqual([1, 1, 2]);
    await schedule.stop();
  });
});
