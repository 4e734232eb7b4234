/**
 * How an order's refunds fall on its seller orders (pure, integer minor units).
 *
 * A refund that names lines (`POST /v1/orders/:id/refunds` with `lines`) is borne by the sellers of
 * those lines: each refunded unit takes its share of its seller order line's amount (goods net of
 * discount, without tax), rounded down, the last unit taking the remainder, as the orders module
 * values refunded units. A refund by amount alone is spread over what no line refund has
 * claimed yet, pro rata, rounded down. Targets are cumulative, computed from the order as it stands
 * after the refund, so a redelivered or late event never posts twice: the ledger posts only the
 * difference between a target and what the seller order already bore.
 */

/** An order line as the `order.*` events show it. */
export interface RefundedLine {
  id: string;
  quantity: number;
  quantity_refunded: number;
  /** The line's total, tax included: what the orders module values its refunded units by. */
  total: number;
}

export interface RefundFacts {
  total: number;
  amount_refunded: number;
  lines: readonly RefundedLine[];
}

export interface SellerOrderShare {
  id: string;
  /** What the seller order is worth in the ledger: goods + its shipping share. */
  amount: number;
  lines: readonly { order_line_id: string; amount: number }[];
}

const big = BigInt;
/** floor(a × b / c) for non-negative safe integers, exact (no float rounding at large amounts). */
function mulDiv(a: number, b: number, c: number): number {
  return c <= 0 ? 0 : Number((big(a) * big(b)) / big(c));
}

/**
 * The cumulative refund each seller order bears, by id: never negative, never above its amount;
 * together never above the order's refunded amount; exactly its amount when the order is refunded
 * in full.
 * @example refundTargets({ total: 3000, amount_refunded: 1000, lines: [{ id: 'l1', quantity: 1, quantity_refunded: 1, total: 1000 }, …] }, sellerOrders)
 */
export function refundTargets(order: RefundFacts, sellerOrders: readonly SellerOrderShare[]): Map<string, number> {
  const refunded = Math.max(0, Math.min(order.amount_refunded, order.total));
  const byLine = new Map(order.lines.map((l) => [l.id, l]));
  // what line refunds gave back, tax included, as the orders module valued them
  const linesRefunded = order.lines.reduce((sum, l) => sum + (l.quantity > 0 ? mulDiv(l.total, l.quantity_refunded, l.quantity) : 0), 0);
  const lineParts = sellerOrders.map((so) => {
    const part = so.lines.reduce((sum, sl) => {
      const line = byLine.get(sl.order_line_id);
      return sum + (line && line.quantity > 0 ? mulDiv(sl.amount, line.quantity_refunded, line.quantity) : 0);
    }, 0);
    // a refund that named lines but gave back less than they are worth scales their part down
    return Math.min(so.amount, linesRefunded > refunded ? mulDiv(part, refunded, linesRefunded) : part);
  });
  const remainder = Math.max(0, refunded - linesRefunded);
  const pool = Math.max(0, order.total - linesRefunded);
  const out = new Map<string, number>();
  sellerOrders.forEach((so, i) => {
    const linePart = lineParts[i] ?? 0;
    const share = mulDiv(remainder, Math.max(0, so.amount - linePart), pool);
    out.set(so.id, Math.min(so.amount, linePart + share));
  });
  return out;
}

/** True when the order has seller lines that no seller order covers yet (its split is still to come). */
export function splitPending(lines: readonly { seller_id?: unknown }[], sellerOrderSellers: readonly string[]): boolean {
  const sellers = new Set(lines.flatMap((l) => (typeof l.seller_id === 'string' ? [l.seller_id] : [])));
  return [...sellers].some((s) => !sellerOrderSellers.includes(s));
}
