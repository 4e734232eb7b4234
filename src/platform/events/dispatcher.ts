import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { MODES, type Database, type Environment, type Queryable } from '../db/database.js';
import type { IdGenerator } from '../crypto/ids.js';
import type { ServiceContext } from '../http/context.js';
import { EnvironmentLoop } from '../jobs/loop.js';
import { withLinkedSpan } from '../observability/tracing.js';
import { toEnvelope, type EventRow } from './events.repo.js';
import { onEventsWritten, type EventEnvelope } from './outbox.js';

/**
 * A consumer of events, given a batch at a time (in the order they were written). It runs inside
 * the transaction that takes the events off the outbox, so what it writes commits exactly when
 * they count as handed over. It may still see an event twice (a transaction that committed its
 * work but whose commit reply was lost is retried), so it must be idempotent on the event id.
 * Work outside the database (a message published elsewhere) is at least once.
 */
export type Subscriber = (tx: Queryable, events: readonly EventEnvelope[], ctx: ServiceContext) => Promise<void>;

export interface DispatcherOptions {
  /** Outbox rows claimed per transaction. */
  batchSize: number;
  /** How often an idle dispatcher looks for events written by other processes. */
  pollMs: number;
  /** After this process writes events, wait this long so a burst is dispatched in one batch. */
  lingerMs: number;
}

/** Back-off after a subscriber failed on an event: 1 s, 2 s, 4 s, … up to 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

// Claims and reads in one round trip.
const CLAIM = `WITH claimed AS (
  DELETE FROM outbox WHERE event_id IN (
    SELECT event_id FROM outbox WHERE available_at <= $1 ORDER BY available_at, event_id LIMIT $2 FOR UPDATE SKIP LOCKED
  ) RETURNING event_id, attempts
)
SELECT e.id, e.type, e.created_at, e.data, e.context, c.attempts FROM claimed c JOIN events e ON e.id = c.event_id ORDER BY e.id`;

/**
 * Hands outbox events to the registered subscribers, in every environment. Claims use
 * `FOR UPDATE SKIP LOCKED`, so any number of processes can dispatch from one database: each event
 * goes to one of them at a time, and a process that dies mid-batch leaves its rows locked only
 * until its transaction aborts.
 */
export class Dispatcher {
  private readonly subscribers: { name: string; fn: Subscriber }[] = [];
  private readonly background: EnvironmentLoop;
  private unsubscribe: (() => void) | undefined;
  private readonly dispatched: Counter<'outcome'>;
  private readonly lag: Histogram;

  constructor(
    private readonly deps: { db: Database; ids: IdGenerator; now: () => Date; logger: Logger; registry: Registry },
    private readonly options: DispatcherOptions,
  ) {
    this.dispatched = new Counter({ name: 'tessera_events_dispatched_total', help: 'Events handed to subscribers, by outcome (ok, or failed and retried later).', labelNames: ['outcome'], registers: [deps.registry] });
    this.lag = new Histogram({
      name: 'tessera_events_dispatch_lag_seconds',
      help: 'Time from an event being written to its subscribers having run.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [deps.registry],
    });
    this.background = new EnvironmentLoop('events.dispatch', () => deps.db.environments(), (env) => this.runOnce(env), options.pollMs, deps.logger, (n) => n >= options.batchSize);
    const db = deps.db;
    new Gauge({
      name: 'tessera_outbox_depth',
      help: 'Events written but not yet dispatched, by environment.',
      labelNames: ['environment'],
      registers: [deps.registry],
      async collect() {
        for (const env of MODES) {
          const { rows } = await db.forEnv(env).query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
          this.set({ environment: env }, rows[0]?.n ?? 0);
        }
      },
    });
  }

  /** Registers a subscriber; they run in registration order. */
  subscribe(name: string, fn: Subscriber): void {
    this.subscribers.push({ name, fn });
  }

  private context(env: Environment): ServiceContext {
    return { env, db: this.deps.db.forEnv(env), actor: null, requestId: this.deps.ids('job'), now: this.deps.now, ids: this.deps.ids };
  }

  /**
   * Claims up to one batch of due events in `env` and runs every subscriber on each, all in one
   * transaction. If any subscriber fails, the batch is retried event by event, and only the
   * failing events wait (with back-off) for another try. Returns how many events were handed over.
   */
  async runOnce(env: Environment): Promise<number> {
    const db = this.deps.db.forEnv(env);
    try {
      return await db.transaction(async (tx) => {
        const claimed = await this.claim(tx, env, this.options.batchSize);
        if (claimed.length) await this.deliver(tx, env, claimed);
        return claimed.length;
      });
    } catch (err) {
      this.deps.logger.warn({ err, environment: env }, 'event batch failed; retrying its events one by one');
      let handed = 0;
      for (;;) {
        const result = await this.runOneIsolated(env);
        if (result === 'empty') break;
        if (result === 'ok') handed++;
      }
      return handed;
    }
  }

  /** Takes one event and runs it alone; a failure puts it back with back-off. */
  private async runOneIsolated(env: Environment): Promise<'ok' | 'failed' | 'empty'> {
    const db = this.deps.db.forEnv(env);
    let taken: { event: EventEnvelope; attempts: number } | undefined;
    try {
      return await db.transaction(async (tx) => {
        const [one] = await this.claimWithAttempts(tx, env, 1);
        if (!one) return 'empty' as const;
        taken = one;
        await this.deliver(tx, env, [one.event]);
        return 'ok' as const;
      });
    } catch (err) {
      if (!taken) throw err;
      const attempts = taken.attempts + 1;
      this.dispatched.inc({ outcome: 'failed' });
      this.deps.logger.error({ err, event_id: taken.event.id, type: taken.event.type, attempts }, 'event subscriber failed; will retry');
      // the failed transaction put the row back (its DELETE rolled back): push it into the future
      await db.query(
        `INSERT INTO outbox (event_id, available_at, attempts, last_error) VALUES ($1, $2, $3, $4)
         ON CONFLICT (event_id) DO UPDATE SET available_at = EXCLUDED.available_at, attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error`,
        [
          taken.event.id,
          new Date(this.deps.now().getTime() + retryDelayMs(attempts)),
          attempts,
          String(err instanceof Error ? err.message : err).slice(0, 500),
        ],
      );
      return 'failed';
    }
  }

  private async claim(tx: Queryable, env: Environment, limit: number): Promise<EventEnvelope[]> {
    return (await this.claimWithAttempts(tx, env, limit)).map((c) => c.event);
  }

  private async claimWithAttempts(tx: Queryable, env: Environment, limit: number): Promise<{ event: EventEnvelope; attempts: number }[]> {
    const { rows } = await tx.query<EventRow & { attempts: number }>(CLAIM, [this.deps.now(), limit], 'events_claim');
    return rows.map(({ attempts, ...row }) => ({ event: toEnvelope(env, row), attempts }));
  }

  private async deliver(tx: Queryable, env: Environment, events: readonly EventEnvelope[]): Promise<void> {
    const parents = events.map((e) => e.context.traceparent);
    await withLinkedSpan('events.dispatch', parents, { 'tessera.events.count': events.length, 'tessera.environment': env }, async () => {
      const ctx = this.context(env);
      for (const s of this.subscribers) await s.fn(tx, events, ctx);
    });
    const now = Date.now();
    this.dispatched.inc({ outcome: 'ok' }, events.length);
    for (const e of events) this.lag.observe(Math.max(0, (now - e.created_at.getTime()) / 1000));
  }

  /**
   * Starts dispatching in the background: soon after this process commits events (waiting
   * `lingerMs` so a burst of commits makes one batch, not one transaction each), and every
   * `pollMs` for events other processes wrote; straight on while a batch comes back full.
   */
  start(): void {
    this.background.start();
    this.unsubscribe ??= onEventsWritten(() => this.background.wakeSoon(this.options.lingerMs));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.background.stop();
  }

  /** Dispatches until no event is due in any environment (tests, and shutdown). */
  drain(): Promise<number> {
    return this.background.drain();
  }
}
