#!/usr/bin/env node
// `npm test`: build (type-checks everything, tests included), check the layer rules, run every
// vitest tier, and end with one plain "N passed, N failed, N skipped" line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } }).status ?? 1;
const report = 'dist/vitest-report.json';

for (const step of [['npm', ['run', '--silent', 'build']], ['npm', ['run', '--silent', 'lint:deps']]]) {
  const status = run(...step);
  if (status !== 0) process.exit(status);
}
rmSync(report, { force: true });
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  process.stdout.write(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped\n`);
}
process.exit(status);
