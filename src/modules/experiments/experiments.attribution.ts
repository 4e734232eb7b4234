import type { Queryable } from '../../platform/db/database.js';
import type { EventEnvelope } from '../../platform/events/outbox.js';
import { insertConversions } from './experiments.repo.js';

/**
 * The subject of an order or cart: its customer id, else the anonymous id a storefront put in
 * its metadata (`anonymous_id`) — the same id it sends to `GET /v1/recommendations`.
 */
export function subjectOf(o: { customer_id?: unknown; metadata?: unknown }): string | null {
  if (typeof o.customer_id === 'string' && o.customer_id) return o.customer_id;
  const metadata = o.metadata && typeof o.metadata === 'object' ? (o.metadata as Record<string, unknown>) : {};
  return typeof metadata.anonymous_id === 'string' && metadata.anonymous_id ? metadata.anonymous_id : null;
}

/**
 * The outbox subscriber, in the dispatcher's transaction: an `order.created` whose context names
 * experiments (`context.experiments`, put there at checkout) becomes one conversion row per
 * experiment, so results are one query. Redelivery is a no-op (PK (experiment_id, order_id)).
 */
export async function recordConversions(tx: Queryable, events: readonly EventEnvelope[]): Promise<void> {
  for (const e of events) {
    const experiments = e.context.experiments;
    if (e.type !== 'order.created' || !experiments || !Object.keys(experiments).length) continue;
    const order = e.data.object;
    const subject = subjectOf(order);
    const totals = order.totals && typeof order.totals === 'object' ? (order.totals as Record<string, unknown>) : {};
    if (typeof order.id !== 'string' || !subject || typeof totals.total !== 'number' || typeof order.currency !== 'string') continue;
    await insertConversions(tx, { keys: Object.keys(experiments), orderId: order.id, subject, amount: totals.total, currency: order.currency, at: new Date(e.created_at) });
  }
}
