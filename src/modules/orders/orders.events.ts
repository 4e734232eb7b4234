import type { NewEvent } from '../../platform/events/outbox.js';
import type { Order } from './orders.schemas.js';
import type { OrderStatus } from './orders.status.js';

/**
 * The campaign labels an order's events carry: its `utm_*` metadata, copied from the cart at
 * checkout (where a `Tessera-Campaign` header on the cart's creation also put them), so an order
 * captured or refunded days later is still attributed to the campaign that brought it.
 */
export function orderCampaign(order: Pick<Order, 'metadata'>): Record<string, string> {
  return Object.fromEntries(Object.entries(order.metadata).filter(([key]) => key.startsWith('utm_')));
}

/**
 * An `order.*` event about `order` (as the API shows it), with its campaign labels and the
 * experiment variants its shopper had when ordering (attribution, #7).
 * @example await emit(tx, ctx, orderEvent('order.paid', order, { status: 'pending' }));
 */
export function orderEvent(type: `order.${string}`, order: Order, previous?: Record<string, unknown>): NewEvent {
  return { type, object: order, campaign: orderCampaign(order), experiments: order.experiments, ...(previous && Object.keys(previous).length ? { previous } : {}) };
}

/** The event a move to `status` announces; moves without an event of their own are `order.updated`. */
export function statusEvent(status: OrderStatus): `order.${string}` {
  switch (status) {
    case 'paid':
    case 'canceled':
    case 'refunded':
    case 'partially_fulfilled':
    case 'fulfilled':
    case 'completed':
      return `order.${status}`;
    default:
      return 'order.updated';
  }
}
