#!/usr/bin/env node
// Runs before `npm run demo` and `npm test`: installs the npm packages when they are missing or
// stale, and finds nats-server (and, for tests, gpg) — installing them with apt-get when we are
// root on Debian/Ubuntu, otherwise saying exactly what to install. Never silent about an install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const purpose = process.argv[2] ?? 'demo';
const say = (line) => process.stderr.write(`[palermo] ${line}\n`);

function npmPackagesStale() {
  const marker = 'node_modules/.package-lock.json';
  if (!existsSync(marker)) return true;
  return statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs + 1000;
}

function onPath(binary) {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin', '/usr/bin']);
  return dirs.some((d) => d && existsSync(`${d}/${binary}`));
}

function aptInstall(pkg, binary) {
  if (onPath(binary)) return;
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!existsSync('/usr/bin/apt-get') || (!root && !sudo)) {
    say(`${binary} is required but not installed. Install it with: sudo apt-get install -y ${pkg}`);
    process.exit(1);
  }
  say(`${binary} not found: installing the Debian package ${pkg} with apt-get`);
  const run = (args) => execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['apt-get', 'update', '-q']);
  run(['apt-get', 'install', '-y', '-q', pkg]);
}

if (npmPackagesStale()) {
  say('installing npm packages (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
if (!process.env.NATS_URL || purpose === 'test') aptInstall('nats-server', 'nats-server');
if (purpose === 'test') aptInstall('gnupg', 'gpg');
