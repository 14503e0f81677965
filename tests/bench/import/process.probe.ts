import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Reads what the kernel knows about the processes of a run (Linux /proc only): which pid is which
 * node, their CPU time and their peak resident set. NodeProcess.pid names a node's process; the
 * data dir in a child's environment is the fallback.
 */

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

function pids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

// Fields after "(comm)": the command name may hold spaces and parentheses, so split after the last ')'.
function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Pid of the node child of this process whose PALERMO_DATA_DIR is `dataDir`. */
export function findNodePid(dataDir: string, log = ''): number {
  for (const pid of pids()) {
    const fields = statFields(pid);
    if (!fields || Number(fields[1]) !== process.pid) continue; // fields[1] = ppid
    const env = read(`/proc/${pid}/environ`)?.split('\0') ?? [];
    if (env.includes(`PALERMO_DATA_DIR=${dataDir}`)) return pid;
  }
  // Fallback: Nest's logger prints the pid on every line ("[Nest] 12345  - …").
  const fromLog = /\[Nest\] (\d+)/.exec(log);
  if (fromLog) return Number(fromLog[1]);
  throw new Error(`no child process with PALERMO_DATA_DIR=${dataDir}`);
}

/** Pid of the nats-server listening on `port` (the handle of startNatsServer does not expose it). */
export function findNatsPid(port: number): number | undefined {
  for (const pid of pids()) {
    const args = read(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
    const p = args.indexOf('-p');
    if (args[0]?.endsWith('nats-server') && p >= 0 && args[p + 1] === String(port)) return pid;
  }
  return undefined;
}

/** User + system CPU seconds the process has used so far (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat; here 0-based after the comm field.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Peak resident set size (VmHWM) in MiB, or undefined once the process is gone. */
export function peakRssMiB(pid: number): number | undefined {
  const match = /VmHWM:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) / 1024 : undefined;
}

/** Current resident set size (VmRSS) in MiB. */
export function rssMiB(pid: number): number | undefined {
  const match = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) / 1024 : undefined;
}

/**
 * CPU used by a changing set of processes (PostgreSQL backends come and go with the pool): the
 * first sample sets each pid's baseline, a pid first seen later started during the measurement
 * (baseline 0), and a pid that exits still counts up to its last sample.
 */
export class CpuMeter {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private started = false;

  /** Records the current CPU time of `pidList`. */
  sample(pidList: Iterable<number>): void {
    for (const pid of pidList) {
      const now = cpuSeconds(pid);
      if (!this.first.has(pid)) this.first.set(pid, this.started ? 0 : now);
      if (now > 0) this.last.set(pid, now);
    }
    this.started = true;
  }

  /** CPU seconds used since the first sample. */
  total(): number {
    let sum = 0;
    for (const [pid, last] of this.last) sum += last - (this.first.get(pid) ?? 0);
    return sum;
  }
}
