import pg from 'pg';
import { isEnvironment, type Environment, type Queryable } from './database.js';

const CHANNEL = 'tessera_invalidate';

export type InvalidationHandler = (env: Environment, key: string) => void;

/**
 * Cross-process cache invalidation over PostgreSQL LISTEN/NOTIFY. A writer calls `publish` inside
 * its transaction; PostgreSQL delivers the notification to every listening process only if and when
 * that transaction commits. Each process drops the named entry from its in-process caches.
 * If the listening connection drops, every cache is flushed and it reconnects, so a missed
 * notification can never leave a stale entry behind.
 */
export class InvalidationBus {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, InvalidationHandler[]>();
  private readonly flushers: (() => void)[] = [];
  private closed = false;

  constructor(private readonly url: string) {}

  /** Sends `topic:key` to every process once the surrounding transaction commits. */
  static async publish(tx: Queryable, env: Environment, topic: string, key: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, `${env}|${topic}|${key}`]);
  }

  /** Registers what to drop for a topic, and how to drop everything when notifications were lost. */
  on(topic: string, handler: InvalidationHandler, flushAll: () => void): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
    this.flushers.push(flushAll);
  }

  /** Delivers locally at once (read-your-writes in this process), ahead of the NOTIFY. */
  deliver(env: Environment, topic: string, key: string): void {
    for (const h of this.handlers.get(topic) ?? []) h(env, key);
  }

  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      const [env, topic, key] = (msg.payload ?? '').split('|');
      if (env !== undefined && isEnvironment(env) && topic && key !== undefined) this.deliver(env, topic, key);
    });
    client.on('error', () => this.reconnect());
    client.on('end', () => this.reconnect());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private reconnect(): void {
    if (this.closed || !this.client) return;
    this.client = undefined;
    for (const f of this.flushers) f();
    setTimeout(() => void this.start().catch(() => this.reconnectLater()), 200).unref();
  }

  private reconnectLater(): void {
    if (this.closed) return;
    for (const f of this.flushers) f();
    setTimeout(() => void this.start().catch(() => this.reconnectLater()), 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) await c.end().catch(() => undefined);
  }
}
