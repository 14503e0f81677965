import type { Db } from './bench.db';
import { CpuMeter, cpuSeconds, peakRssMiB, rssMiB } from './process.probe';

/** One node under measurement: its process and its database. */
export interface MeasuredNode {
  label: string;
  pid: number;
  db: Db;
  dbName: string;
}

/** What a node cost during the measured window. */
export interface NodeCost {
  /** CPU seconds of the node process (JS: HTTP, validation, parse, verify, policy, driver). */
  nodeCpuS: number;
  /** CPU seconds of the PostgreSQL backends serving its database. */
  pgCpuS: number;
  /** Seconds PostgreSQL spent executing statements for its database (pg_stat_database.active_time). */
  sqlActiveS: number;
  /** Seconds its sessions sat idle inside a transaction, waiting on the node (idle_in_transaction_time). */
  sqlIdleInTxS: number;
  /** Peak RSS (VmHWM) of the node process since it started, MiB. */
  peakRssMiB?: number;
  /** RSS when the window opened (the booted, idle node), MiB. */
  startRssMiB?: number;
}

interface DbTimes {
  active: number;
  idleInTx: number;
}

/**
 * Samples CPU of a node and of its database's backends while a run goes on, and reads the database's
 * session-time counters around it. The bench's own polling connections are excluded from the CPU.
 */
export class NodeSampler {
  private readonly pg = new CpuMeter();
  private nodeCpu0 = 0;
  private times0: DbTimes = { active: 0, idleInTx: 0 };
  private readonly own = new Set<number>();
  private nodeCpuS?: number;
  private peakRss?: number;
  private startRss?: number;

  constructor(private readonly node: MeasuredNode) {}

  /** Baselines: call right before the measured window. */
  async start(benchClients: Db[]): Promise<void> {
    for (const client of benchClients) {
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      this.own.add(rows[0].pid);
    }
    this.nodeCpu0 = cpuSeconds(this.node.pid);
    this.startRss = rssMiB(this.node.pid);
    this.times0 = await this.dbTimes();
    await this.sample();
  }

  /** One CPU reading of the node's backends (call every few hundred ms). */
  async sample(): Promise<void> {
    const { rows } = await this.node.db.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [this.node.dbName]);
    this.pg.sample(rows.map((r) => r.pid).filter((pid) => !this.own.has(pid)));
  }

  /** Ends the CPU and memory readings (call the moment the measured work is done). */
  async stopClock(): Promise<void> {
    await this.sample();
    this.nodeCpuS = cpuSeconds(this.node.pid) - this.nodeCpu0;
    this.peakRss = peakRssMiB(this.node.pid);
  }

  /** The cost since start(); idle backends flush their session counters within ~1 s, so this waits a little first. */
  async finish(): Promise<NodeCost> {
    if (this.nodeCpuS === undefined) await this.stopClock();
    await new Promise((r) => setTimeout(r, 1_500));
    const times = await this.dbTimes();
    return {
      nodeCpuS: this.nodeCpuS!,
      pgCpuS: this.pg.total(),
      sqlActiveS: (times.active - this.times0.active) / 1000,
      sqlIdleInTxS: (times.idleInTx - this.times0.idleInTx) / 1000,
      peakRssMiB: this.peakRss,
      startRssMiB: this.startRss,
    };
  }

  private async dbTimes(): Promise<DbTimes> {
    const { rows } = await this.node.db.query<{ active: number; idle_in_tx: number }>(
      'select active_time as active, idle_in_transaction_time as idle_in_tx from pg_stat_database where datname = $1',
      [this.node.dbName],
    );
    return { active: Number(rows[0]?.active ?? 0), idleInTx: Number(rows[0]?.idle_in_tx ?? 0) };
  }
}
