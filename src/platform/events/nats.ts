import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Subscriber } from './dispatcher.js';
import type { EventEnvelope } from './outbox.js';

/** The subject of an event: `tessera.<environment>.<type>`, e.g. `tessera.live.order.created`. */
export function subjectOf(event: Pick<EventEnvelope, 'environment' | 'type'>): string {
  return `tessera.${event.environment}.${event.type}`;
}

/**
 * Streams every event to NATS JetStream (for warehouses and stream processors). Each event is
 * published with its id as the message id, so JetStream drops the duplicates that at-least-once
 * dispatch can make (within the stream's duplicate window, 2 minutes by default). The stream is
 * created, capturing `tessera.>`, when it does not exist yet.
 */
export class NatsSink {
  private connecting: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;

  constructor(
    private readonly url: string,
    private readonly stream: string,
    private readonly logger: Logger,
  ) {}

  private client(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    this.connecting ??= (async () => {
      const nc = await connect({ servers: this.url, name: 'tessera', maxReconnectAttempts: -1 });
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(this.stream);
      } catch {
        await jsm.streams.add({ name: this.stream, subjects: ['tessera.>'] });
        this.logger.info({ stream: this.stream }, 'created the NATS JetStream stream for events');
      }
      return { nc, js: jetstream(nc) };
    })().catch((err: unknown) => {
      this.connecting = undefined; // try again with the next event
      throw err;
    });
    return this.connecting;
  }

  /** The dispatcher subscriber: a failed publish fails the batch, which the dispatcher retries event by event. */
  readonly subscriber: Subscriber = async (_tx, events) => {
    const { js } = await this.client();
    await Promise.all(events.map((e) => js.publish(subjectOf(e), JSON.stringify({ ...e, created_at: e.created_at.toISOString() }), { msgID: e.id })));
  };

  async close(): Promise<void> {
    const c = this.connecting;
    this.connecting = undefined;
    if (c) await (await c.catch(() => undefined))?.nc.drain();
  }
}
