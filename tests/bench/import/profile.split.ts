import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a node process spent the measured window, from a V8 CPU profile taken by
 * cpu-profile.hook.ts: each sample goes to the step of the closest frame that names one
 * (JSON.parse inside body-parser counts as HTTP, JSON.stringify inside the import repository as store).
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Seconds per step, largest first, the hottest functions (self time), and the window the profile covers. */
export interface ProfileSplit {
  windowS: number;
  steps: { step: string; seconds: number }[];
  hottest: { frame: string; seconds: number }[];
}

const HOTTEST = 12;

// First match wins; a frame that matches none inherits its caller's step.
const STEPS: [string, RegExp][] = [
  ['openpgp sign / verify', /libs\/bundles\/src\/bundle\.(signature|keys)|node_modules\/(openpgp|@noble|@openpgp)/],
  ['indicator validation (zod schemas, normalizers)', /libs\/indicators\/|node_modules\/(zod|libphonenumber-js|ipaddr\.js|ibantools|@scure)/],
  ['bundle JSON parse, canonical form, hash, build', /libs\/bundles\/|node_modules\/canonicalize/],
  ['policy (import decide / export plan)', /libs\/policy\/|import\.decider|export\.planner/],
  ['store: rows, SQL text, pg driver, ORM', /libs\/store\/|node_modules\/(pg|pg-protocol|pg-types|knex|@mikro-orm|mikro-orm-pglite)\//],
  ['NATS client and feed reader', /libs\/federation\/|node_modules\/@nats-io\//],
  ['HTTP: Nest, express, body parsing', /node_modules\/(@nestjs|express|body-parser|raw-body|router|iconv-lite)\//],
  ['import / export services', /apps\/node\/src\/(import|export)\//],
];

const SPECIAL = new Map([
  ['(garbage collector)', 'garbage collector'],
  ['(idle)', 'idle (waiting on PostgreSQL, NATS, timers)'],
  ['(program)', 'V8 / native (unattributed)'],
]);

function stepOf(frame: ProfileNode['callFrame'], inherited: string): string {
  const special = SPECIAL.get(frame.functionName);
  if (special) return special;
  if (frame.url) for (const [step, pattern] of STEPS) if (pattern.test(frame.url)) return step;
  return inherited;
}

/** Seconds of the profile per step. */
export function splitProfile(profile: CpuProfile): ProfileSplit {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const step = new Map<number, string>();
  const root = profile.nodes[0];
  const stack: [ProfileNode, string][] = [[root, 'other JS']];
  while (stack.length) {
    const [node, inherited] = stack.pop()!;
    const own = node === root ? inherited : stepOf(node.callFrame, inherited);
    step.set(node.id, own);
    for (const child of node.children ?? []) stack.push([byId.get(child)!, own]);
  }
  const seconds = new Map<string, number>();
  const self = new Map<string, number>();
  let window = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1e6;
    window += dt;
    const s = step.get(id) ?? 'other JS';
    seconds.set(s, (seconds.get(s) ?? 0) + dt);
    const frame = frameName(byId.get(id)!.callFrame);
    if (!SPECIAL.has(byId.get(id)!.callFrame.functionName)) self.set(frame, (self.get(frame) ?? 0) + dt);
  });
  return { windowS: window, steps: ranked(seconds, 'step'), hottest: ranked(self, 'frame').slice(0, HOTTEST) };
}

function ranked<K extends string>(totals: Map<string, number>, key: K): ({ seconds: number } & Record<K, string>)[] {
  return [...totals]
    .map(([name, seconds]) => ({ [key]: name, seconds }) as { seconds: number } & Record<K, string>)
    .sort((a, b) => b.seconds - a.seconds);
}

// "fn (libs/store/src/x.js:12)": the path from the repo or node_modules on, 1-based line.
function frameName({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const where = url ? url.replace(/^.*?\/(dist\/|node_modules\/)/, '$1').replace(/^file:\/\//, '') : 'native';
  return `${functionName || '(anonymous)'} (${where}${url ? `:${lineNumber + 1}` : ''})`;
}

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Environment that makes a node process load the profiler hook, writing into `dir`. */
export function profilerEnv(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  // A kept directory from an earlier run must not answer for this one.
  for (const old of ['started', 'node.cpuprofile']) rmSync(join(dir, old), { force: true });
  const hook = join(__dirname, 'cpu-profile.hook.js');
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${hook}`.trim(), PALERMO_BENCH_PROFILE_DIR: dir };
}

/** Starts the profiler in process `pid` (loaded with profilerEnv(dir)) and waits until it runs. */
export async function startProfiler(pid: number, dir: string): Promise<void> {
  process.kill(pid, 'SIGWINCH');
  await waitForFile(join(dir, 'started'), 10_000);
}

/** Stops the profiler in `pid` and returns the split of its profile. */
export async function stopProfiler(pid: number, dir: string): Promise<ProfileSplit> {
  process.kill(pid, 'SIGWINCH');
  const file = join(dir, 'node.cpuprofile');
  await waitForFile(file, 30_000);
  return splitProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
}
