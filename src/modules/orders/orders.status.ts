/** Order statuses. `pending`: authorised, not yet captured; `paid`: captured. */
export const ORDER_STATUSES = ['pending', 'paid', 'partially_fulfilled', 'fulfilled', 'completed', 'canceled', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order lifecycle as a transition table: every status change is checked against it, and an
 * illegal one is refused (409) rather than written.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['paid', 'canceled'],
  paid: ['partially_fulfilled', 'fulfilled', 'canceled', 'refunded'],
  partially_fulfilled: ['fulfilled', 'refunded'],
  fulfilled: ['completed', 'refunded'],
  completed: ['refunded'],
  canceled: [],
  refunded: [],
};

/** Whether an order may move from `from` to `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}
