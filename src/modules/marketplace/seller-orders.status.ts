/**
 * Seller order statuses (#5), derived, never set by hand: a seller order's status follows from
 * its parent order's status, its own lines' shipped and refunded units and its own shipments'
 * delivery. Pure, so the rule is tested on its own (seller-orders.status.test.ts).
 */

/** The same statuses as orders: a seller order is one seller's part of an order. */
export const SELLER_ORDER_STATUSES = ['pending', 'paid', 'partially_fulfilled', 'fulfilled', 'completed', 'canceled', 'refunded'] as const;
export type SellerOrderStatus = (typeof SELLER_ORDER_STATUSES)[number];

export interface SellerOrderFacts {
  /** The parent order's status. */
  parent: SellerOrderStatus;
  /** The seller order's own lines (the order's lines of that seller). */
  lines: readonly { quantity: number; quantity_fulfilled: number; quantity_refunded: number }[];
  /** The seller order's own shipments. */
  shipments: readonly { delivered: boolean }[];
}

/**
 * A seller order's status:
 * - `pending`, `canceled` and `refunded` follow the parent (payment and refunds are the order's);
 * - nothing of its lines shipped: `paid`;
 * - some unrefunded units still to ship: `partially_fulfilled`;
 * - everything shipped: `fulfilled`, and `completed` once every one of its shipments is delivered.
 * @example sellerOrderStatus({ parent: 'partially_fulfilled', lines: [{ quantity: 2, quantity_fulfilled: 2, quantity_refunded: 0 }], shipments: [{ delivered: false }] }) // 'fulfilled'
 */
export function sellerOrderStatus(facts: SellerOrderFacts): SellerOrderStatus {
  if (facts.parent === 'pending' || facts.parent === 'canceled' || facts.parent === 'refunded') return facts.parent;
  const shipped = facts.lines.reduce((sum, l) => sum + l.quantity_fulfilled, 0);
  if (shipped === 0) return 'paid';
  if (!facts.lines.every((l) => l.quantity_fulfilled >= l.quantity - l.quantity_refunded)) return 'partially_fulfilled';
  return facts.shipments.length > 0 && facts.shipments.every((s) => s.delivered) ? 'completed' : 'fulfilled';
}

/**
 * The status an order made only of seller lines has, given its seller orders' statuses: what the
 * orders module computes itself from all its lines and shipments (a property test checks they
 * agree). `null` for no children.
 * @example parentStatus(['fulfilled', 'paid']) // 'partially_fulfilled'
 */
export function parentStatus(children: readonly SellerOrderStatus[]): SellerOrderStatus | null {
  if (!children.length) return null;
  for (const s of ['canceled', 'refunded', 'pending'] as const) if (children.includes(s)) return s;
  if (children.every((s) => s === 'completed')) return 'completed';
  if (children.every((s) => s === 'completed' || s === 'fulfilled')) return 'fulfilled';
  if (children.every((s) => s === 'paid')) return 'paid';
  return 'partially_fulfilled';
}

/** The event a move to `status` announces (as orders do: `seller_order.fulfilled`, …); other changes are `seller_order.updated`. */
export function sellerOrderEvent(status: SellerOrderStatus): `seller_order.${string}` {
  return status === 'pending' ? 'seller_order.updated' : `seller_order.${status}`;
}
