import { AppError, type FieldError } from '../../platform/http/errors.js';
import { OrderErrors } from './orders.errors.js';
import type { OrderLineRow, OrderRow } from './orders.repo.js';
import type { RefundCreate } from './orders.schemas.js';

/**
 * The amount a refund request stands for, checked against the order: an explicit `amount`, else
 * the value of the given lines (their totals pro rata, the last units taking what rounding left),
 * else everything not yet refunded. Never more than what is left to refund.
 */
export function refundAmount(order: Pick<OrderRow, 'id' | 'total' | 'amount_refunded'>, lines: readonly OrderLineRow[], input: RefundCreate): number {
  const left = order.total - order.amount_refunded;
  const errors: FieldError[] = [];
  let fromLines = 0;
  mergeRefundLines(input.lines ?? []).forEach((req, i) => {
    const line = lines.find((l) => l.id === req.line_id);
    if (!line) return errors.push({ detail: `No line ${req.line_id} in order ${order.id}.`, pointer: `/lines/${i}/line_id` });
    const refundable = line.quantity - line.quantity_refunded;
    if (req.quantity > refundable) return errors.push({ detail: `Only ${refundable} units left to refund.`, pointer: `/lines/${i}/quantity` });
    const after = line.quantity_refunded + req.quantity;
    // the value of units [refunded, after): floor shares, so the last unit absorbs the remainder
    fromLines += Math.floor((line.total * after) / line.quantity) - Math.floor((line.total * line.quantity_refunded) / line.quantity);
  });
  if (errors.length) throw new AppError(OrderErrors.invalidRefund, 'The refund names lines that cannot be refunded.', errors);
  const amount = input.amount ?? (input.lines ? fromLines : left);
  if (amount <= 0) throw new AppError(OrderErrors.invalidRefund, `Nothing left to refund on order ${order.id}.`);
  if (amount > left) {
    throw new AppError(OrderErrors.refundExceedsCaptured, `Order ${order.id} has ${left} left to refund; ${amount} was asked.`, [{ detail: `At most ${left}.`, pointer: input.amount !== undefined ? '/amount' : '/lines' }]);
  }
  return amount;
}

/** One entry per line: a request naming a line twice asks for the sum. */
export function mergeRefundLines(lines: readonly { line_id: string; quantity: number }[]): { line_id: string; quantity: number }[] {
  const byLine = new Map<string, number>();
  for (const l of lines) byLine.set(l.line_id, (byLine.get(l.line_id) ?? 0) + l.quantity);
  return [...byLine].map(([line_id, quantity]) => ({ line_id, quantity }));
}

/** Units per SKU, summed over the order's lines of that SKU (zeros left out). */
function bySku(entries: readonly { sku: string; units: number }[]): { sku: string; quantity: number }[] {
  const totals = new Map<string, number>();
  for (const e of entries) if (e.units > 0) totals.set(e.sku, (totals.get(e.sku) ?? 0) + e.units);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * What the order still has to ship, per SKU: each line's units neither refunded nor shipped
 * (shipments never take refunded units); nothing once the order is canceled or refunded in full.
 * The order's stock allocation keeps exactly this; the rest is given back.
 */
export function stillToShip(order: Pick<OrderRow, 'status'>, lines: readonly OrderLineRow[]): { sku: string; quantity: number }[] {
  if (order.status === 'canceled' || order.status === 'refunded') return [];
  return bySku(lines.map((l) => ({ sku: l.sku, units: l.quantity - l.quantity_refunded - l.quantity_fulfilled })));
}

/**
 * The shipped units among those a refund just counted (`lines` read in its transaction, so with
 * the refund's units included), per SKU: a refund takes a line's unshipped units first (those
 * will now never ship, and their allocation is given back), then its shipped ones, which only
 * these may be put back on hand (`restock`).
 */
export function shippedUnitsRefunded(lines: readonly OrderLineRow[], refunded: readonly { line_id: string; quantity: number }[]): { sku: string; quantity: number }[] {
  return bySku(
    refunded.flatMap((r) => {
      const line = lines.find((l) => l.id === r.line_id);
      if (!line) return [];
      const unshippedBefore = Math.max(0, line.quantity - (line.quantity_refunded - r.quantity) - line.quantity_fulfilled);
      return [{ sku: line.sku, units: r.quantity - Math.min(r.quantity, unshippedBefore) }];
    }),
  );
}
