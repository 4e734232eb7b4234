import crypto from 'node:crypto';
import type { Logger } from 'pino';
import pg from 'pg';
import type { Database } from '../db/database.js';

/** A stable advisory-lock key for a job name. */
function lockKey(name: string): number {
  return crypto.createHash('sha256').update(`tessera-job:${name}`).digest().readInt32BE(0);
}

/**
 * Runs periodic jobs. Each run first takes a session advisory lock named after the job, so with
 * several `serve`/`worker` processes on one database, a job runs in one of them at a time.
 */
export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  /**
   * The connections that hold the jobs' session locks while they run: a pool of their own, so a
   * long job (one that waits on a payment processor) never takes the connection `/readyz` pings with.
   */
  private readonly locks: pg.Pool;
  private jobs = 0;
  /** Runs in flight: `stop` waits for them, so a job never loses its database mid-statement at shutdown. */
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    db: Database,
    private readonly logger: Logger,
  ) {
    this.locks = new pg.Pool({ connectionString: db.url, max: 1 });
    this.locks.on('error', () => undefined);
  }

  every(name: string, intervalMs: number, job: () => Promise<unknown>): void {
    this.locks.options.max = ++this.jobs; // one connection per job: a job never waits for another's
    const run = async () => {
      const client = await this.locks.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lockKey(name)]);
        if (!rows[0]?.locked) return;
        try {
          const result = await job();
          this.logger.info({ job: name, result }, 'job finished');
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [lockKey(name)]);
        }
      } catch (err) {
        this.logger.error({ err, job: name }, 'job failed');
      } finally {
        client.release();
      }
    };
    const start = () => {
      if (this.stopped) return;
      const p = run().finally(() => this.running.delete(p));
      this.running.add(p);
    };
    const timer = setInterval(start, intervalMs);
    timer.unref();
    this.timers.push(timer);
    const first = setTimeout(start, 1000);
    first.unref();
    this.timers.push(first);
  }

  /** Stops scheduling, waits for the runs in flight, and closes the lock connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([...this.running]);
    await this.locks.end().catch(() => undefined);
  }
}
