/** Order statuses. `pending`: authorised, not yet captured; `paid`: captured. */
export const ORDER_STATUSES = ['pending', 'paid', 'partially_fulfilled', 'fulfilled', 'completed', 'canceled', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order lifecycle as a transition table: every change an operator asks for (capture, cancel,
 * and fulfillment later) is checked against it, and an illegal one is refused (409) rather than
 * written. The status writes themselves are conditional on the status read (`setStatus(from, to)`);
 * a refund's or a failed cancel's compensation moves back along an edge it just took.
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
