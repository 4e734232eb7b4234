import type { Logger } from 'pino';
import type { Database, Environment } from '../../platform/db/database.js';
import { insertExposures, type ExposureRow } from './experiments.repo.js';

/**
 * Exposure logging off the recommendation hot path: `record` only queues; the queue is written
 * in one `INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING` per environment when it reaches
 * `maxBatch` rows or `lingerMs` after its first row. Idempotent per (experiment, subject): the
 * first exposure wins. The app flushes it on close; a process that dies loses at most `lingerMs`
 * of exposures. `pending`
 * lets checkout see exposures not yet written by this process.
 */
export class ExposureLog {
  private readonly queues = new Map<Environment, ExposureRow[]>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Batches taken from the queues and not yet written: `pending` still sees them. */
  private readonly inflight = new Map<ExposureRow[], Environment>();

  constructor(
    private readonly deps: { db: Database; logger: Logger },
    private readonly opts: { lingerMs: number; maxBatch: number } = { lingerMs: 100, maxBatch: 500 },
  ) {}

  record(env: Environment, row: ExposureRow): void {
    const queue = this.queues.get(env) ?? [];
    queue.push(row);
    this.queues.set(env, queue);
    if (queue.length >= this.opts.maxBatch) this.schedule(0);
    else this.schedule(this.opts.lingerMs);
  }

  /** Queued, unwritten exposures of a subject in `env`. */
  pending(env: Environment, subject: string): readonly ExposureRow[] {
    const batches = [this.queues.get(env) ?? [], ...[...this.inflight].filter(([, e]) => e === env).map(([rows]) => rows)];
    return batches.flatMap((rows) => rows.filter((r) => r.subject === subject));
  }

  /** Writes everything queued; resolves when written (tests call it, as does shutdown). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.queues.entries()];
    this.queues.clear();
    for (const [env, rows] of batches) this.inflight.set(rows, env);
    this.writing = this.writing.catch(() => undefined).then(async () => {
      let failed: Error | undefined;
      for (const [env, rows] of batches) {
        // one row per (experiment, subject), the first queued
        const first = new Map<string, ExposureRow>();
        for (const r of rows) {
          const key = `${r.experimentId}\u0000${r.subject}`;
          if (!first.has(key)) first.set(key, r);
        }
        await insertExposures(this.deps.db.forEnv(env), [...first.values()])
          .catch((err: unknown) => void (failed ??= err instanceof Error ? err : new Error('exposures not written')))
          .finally(() => this.inflight.delete(rows));
      }
      if (failed) throw failed;
    });
    return this.writing;
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.flush().catch((err: unknown) => this.deps.logger.error({ err }, 'experiment exposures not written'));
    }, ms);
    this.timer.unref();
  }
}
