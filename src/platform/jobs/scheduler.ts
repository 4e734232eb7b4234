import crypto from 'node:crypto';
import type { Logger } from 'pino';
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

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  every(name: string, intervalMs: number, job: () => Promise<unknown>): void {
    const run = async () => {
      const client = await this.db.admin.connect();
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
    const timer = setInterval(() => void run(), intervalMs);
    timer.unref();
    this.timers.push(timer);
    setTimeout(() => void run(), 1000).unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }
}
