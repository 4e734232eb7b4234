import { allocateLargestRemainder } from '../pricing/pricing.allocate.js';
import { commissionFor, type CommissionRules } from './commission.js';
import type { OrderFacts } from './seller-orders.ports.js';
import type { SellerOrderLineRow, SellerOrderRow } from './seller-orders.repo.js';
import { sellerOrderStatus } from './seller-orders.status.js';

export interface SplitOptions {
  rules: CommissionRules;
  /** Who keeps the sellers' shares of shipping. */
  shippingPayee: 'seller' | 'platform';
  /** Category paths by product id (products without any: absent or `[]`). */
  categoryPaths: ReadonlyMap<string, readonly (readonly string[])[]>;
  newId: () => string;
  now: Date;
}

/** A line's goods amount: its total net of discounts without tax (line totals include exclusive tax; inclusive tax is part of the price). */
export const goodsOf = (line: { total: number; tax: number }): number => line.total - line.tax;

/** `totals.shipping_total` of an order's totals (0 when absent). */
function shippingTotalOf(totals: unknown): number {
  const value = typeof totals === 'object' && totals !== null && 'shipping_total' in totals ? totals.shipping_total : 0;
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * Splits an order into one seller order per seller of its lines (lines without a seller are the
 * platform's own and get none). Each gets its lines, goods amount, tax, its share of the order's
 * shipping (`shipping_total` allocated over every party, platform included, by goods amount,
 * largest remainder, so the shares add up to the order's shipping exactly) and its commission
 * (commission.ts), snapshotted with the category paths it was computed from. Pure.
 */
export function splitOrder(order: OrderFacts, opts: SplitOptions): { order: SellerOrderRow; lines: SellerOrderLineRow[] }[] {
  const parties = new Map<string | null, OrderFacts['lines'][number][]>();
  for (const line of order.lines) parties.set(line.seller_id, [...(parties.get(line.seller_id) ?? []), line]);
  const sellers = [...parties.keys()].filter((s): s is string => s !== null).sort();
  if (!sellers.length) return [];
  const partyIds = [...sellers, ...(parties.has(null) ? [null] : [])];
  const shares = allocateLargestRemainder(
    shippingTotalOf(order.totals),
    partyIds.map((p) => (parties.get(p) ?? []).reduce((sum, l) => sum + goodsOf(l), 0)),
  );
  return sellers.map((sellerId, index) => {
    const own = parties.get(sellerId) ?? [];
    const id = opts.newId();
    const pathsOf = (productId: string) => (opts.categoryPaths.get(productId) ?? []).map((p) => [...p]);
    const commission = commissionFor(opts.rules, {
      seller_id: sellerId,
      currency: order.currency,
      lines: own.map((l) => ({ line_id: l.id, amount: goodsOf(l), category_paths: pathsOf(l.product_id) })),
    });
    const byLine = new Map(commission.byLine.map((c) => [c.line_id, c.amount]));
    const lines: SellerOrderLineRow[] = own.map((l) => ({
      seller_order_id: id,
      order_line_id: l.id,
      product_id: l.product_id,
      sku: l.sku,
      title: l.title,
      quantity: l.quantity,
      amount: goodsOf(l),
      tax: l.tax,
      commission: byLine.get(l.id) ?? 0,
      category_paths: pathsOf(l.product_id),
    }));
    const row: SellerOrderRow = {
      id,
      order_id: order.id,
      seller_id: sellerId,
      status: sellerOrderStatus({ parent: order.status, lines: own, shipments: [] }),
      currency: order.currency,
      goods_amount: lines.reduce((sum, l) => sum + l.amount, 0),
      tax_amount: lines.reduce((sum, l) => sum + l.tax, 0),
      shipping_amount: shares[index] ?? 0,
      shipping_payee: opts.shippingPayee,
      commission_amount: commission.total,
      commission,
      amount_refunded: 0,
      delivered_at: null,
      created_at: opts.now,
      updated_at: opts.now,
    };
    return { order: row, lines };
  });
}
