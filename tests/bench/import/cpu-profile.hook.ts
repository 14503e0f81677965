/**
 * Preloaded into a node process by the import bench (NODE_OPTIONS=--require …) when
 * PALERMO_BENCH_PROFILE_DIR is set: the first SIGWINCH starts V8's sampling profiler (and writes
 * `started`), the second stops it and writes `node.cpuprofile`. This way the profile covers exactly
 * the measured window, and nothing in apps/ has to know about the bench. SIGWINCH because its default
 * action is to do nothing and Nest's enableShutdownHooks() traps SIGUSR2 (a SIGUSR2 stops the node).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.PALERMO_BENCH_PROFILE_DIR;
// A coarse interval keeps the profiler's own cost small; a minute of import still gives ~30k samples.
const SAMPLING_INTERVAL_US = 2_000;

if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  const fail = (err: Error | null) => {
    if (err) process.stderr.write(`bench profiler: ${err.message}\n`);
    return !!err;
  };
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', (e1) => {
        if (fail(e1)) return;
        session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US }, (e2) => {
          if (fail(e2)) return;
          session.post('Profiler.start', (e3) => {
            if (!fail(e3)) writeFileSync(join(dir, 'started'), String(Date.now()));
          });
        });
      });
      return;
    }
    session.post('Profiler.stop', (err, result) => {
      running = false;
      if (fail(err)) return;
      // Written under another name first: the bench waits for the final name to appear.
      writeFileSync(join(dir, 'node.cpuprofile.tmp'), JSON.stringify(result.profile));
      renameSync(join(dir, 'node.cpuprofile.tmp'), join(dir, 'node.cpuprofile'));
    });
  });
}
