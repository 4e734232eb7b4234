import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Database, Environment } from '../db/database.js';
import { EnvironmentLoop } from '../jobs/loop.js';
import type { Subscriber } from './dispatcher.js';
import { toEnvelope, type EventRow } from './events.repo.js';
import type { EventEnvelope } from './outbox.js';

const SINK = 'nats';

/** The subject of an event: `tessera.<environment>.<type>`, e.g. `tessera.live.order.created`. */
export function subjectOf(event: Pick<EventEnvelope, 'environment' | 'type'>): string {
  return `tessera.${event.environment}.${event.type}`;
}

const CLAIM = `SELECT q.event_id, q.attempts, e.id, e.type, e.created_at, e.data, e.context
  FROM event_sink_queue q JOIN events e ON e.id = q.event_id
 WHERE q.sink = $1 AND q.available_at <= $2 ORDER BY q.available_at, q.event_id LIMIT $3 FOR UPDATE OF q SKIP LOCKED`;

/**
 * Streams every event to NATS JetStream (for warehouses and stream processors). The dispatcher
 * only queues events for it (`event_sink_queue`, in its transaction); this sink's own loop
 * publishes them, with the event id as the message id, so JetStream drops the duplicates that
 * at-least-once publishing can make (within the stream's duplicate window, 2 minutes by default).
 * While NATS is down, events wait in that queue with back-off; webhooks are not held up. The
 * stream is created, capturing `tessera.>`, when it does not exist yet.
 */
export class NatsSink {
  private connecting: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;
  private readonly background: EnvironmentLoop;

  constructor(
    private readonly deps: { db: Database; now: () => Date; logger: Logger; pollMs: number },
    private readonly url: string,
    private readonly stream: string,
  ) {
    this.background = new EnvironmentLoop('events.nats', () => deps.db.environments(), (env) => this.runOnce(env), deps.pollMs, deps.logger);
  }

  private client(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    this.connecting ??= (async () => {
      const nc = await connect({ servers: this.url, name: 'tessera', maxReconnectAttempts: -1 });
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(this.stream);
      } catch {
        await jsm.streams.add({ name: this.stream, subjects: ['tessera.>'] });
        this.deps.logger.info({ stream: this.stream }, 'created the NATS JetStream stream for events');
      }
      return { nc, js: jetstream(nc) };
    })().catch((err: unknown) => {
      this.connecting = undefined; // try again with the next batch
      throw err;
    });
    return this.connecting;
  }

  /** The dispatcher subscriber: queues the batch for publishing (one statement, in the dispatcher's transaction). */
  readonly subscriber: Subscriber = async (tx, events) => {
    await tx.query(
      'INSERT INTO event_sink_queue (sink, event_id, available_at) SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING',
      [SINK, events.map((e) => e.id), this.deps.now()],
      'events_sink_enqueue',
    );
    tx.afterCommit(() => this.background.wakeSoon(20));
  };

  /**
   * Publishes one batch of queued events of `env`; those JetStream acknowledged leave the queue,
   * the rest wait with back-off. Returns how many were published.
   */
  async runOnce(env: Environment): Promise<number> {
    const db = this.deps.db.forEnv(env);
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<EventRow & { event_id: string; attempts: number }>(CLAIM, [SINK, this.deps.now(), 200], 'events_sink_claim');
      if (!rows.length) return 0;
      const events = rows.map(({ attempts, event_id, ...row }) => ({ event: toEnvelope(env, row), attempts, event_id }));
      let failed: unknown;
      const results = await (async () => {
        try {
          const { js } = await this.client();
          return await Promise.allSettled(events.map(({ event }) => js.publish(subjectOf(event), JSON.stringify({ ...event, created_at: event.created_at.toISOString() }), { msgID: event.id })));
        } catch (err) {
          failed = err;
          return events.map(() => ({ status: 'rejected' as const, reason: err }));
        }
      })();
      const done = events.filter((_, i) => results[i]?.status === 'fulfilled').map((e) => e.event_id);
      const retry = events.filter((_, i) => results[i]?.status !== 'fulfilled');
      if (done.length) await tx.query('DELETE FROM event_sink_queue WHERE sink = $1 AND event_id = ANY($2::text[])', [SINK, done], 'events_sink_done');
      if (retry.length) {
        const first = results.find((r) => r.status === 'rejected');
        const reason: unknown = failed ?? (first?.status === 'rejected' ? (first.reason as unknown) : undefined);
        this.deps.logger.warn({ err: reason, events: retry.length, environment: env }, 'NATS publish failed; events wait in the sink queue');
        await tx.query(
          `UPDATE event_sink_queue q SET attempts = q.attempts + 1, last_error = $3,
                  -- the dispatcher's back-off: 1 s, 2 s, 4 s, … 5 minutes
                  available_at = $4::timestamptz + make_interval(secs => least(300, power(2, q.attempts)))
            WHERE q.sink = $1 AND q.event_id = ANY($2::text[])`,
          [SINK, retry.map((e) => e.event_id), String(reason instanceof Error ? reason.message : reason).slice(0, 500), this.deps.now()],
        );
      }
      return done.length;
    });
  }

  /** Publishes until nothing due is left (tests). */
  drain(): Promise<number> {
    return this.background.drain();
  }

  start(): void {
    this.background.start();
  }

  async close(): Promise<void> {
    await this.background.stop();
    const c = this.connecting;
    this.connecting = undefined;
    if (c) await (await c.catch(() => undefined))?.nc.drain();
  }
}
