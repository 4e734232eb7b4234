import type { SellerOrderWithLines } from './seller-orders.repo.js';
import type { SellerOrder } from './seller-orders.schemas.js';

/** The API representation of a seller order (also `data.object` of its events). */
export function presentSellerOrder({ order: o, lines }: SellerOrderWithLines): SellerOrder {
  const c = o.commission;
  return {
    id: o.id,
    object: 'seller_order',
    order_id: o.order_id,
    seller_id: o.seller_id,
    status: o.status,
    currency: o.currency,
    lines: lines.map((l) => ({
      order_line_id: l.order_line_id,
      product_id: l.product_id,
      sku: l.sku,
      title: l.title,
      quantity: l.quantity,
      amount: l.amount,
      tax: l.tax,
      commission: l.commission,
    })),
    goods_amount: o.goods_amount,
    tax_amount: o.tax_amount,
    shipping_amount: o.shipping_amount,
    shipping_payee: o.shipping_payee,
    commission_amount: o.commission_amount,
    commission: {
      total: c.total,
      rate_total: c.rate_total,
      fixed_fee: c.fixed_fee,
      minimum_applied: c.minimum_applied,
      minimum_topup: c.minimum_topup,
      capped_by: c.capped_by,
      by_line: c.byLine.map((b) => ({ line_id: b.line_id, rate_ppm: b.rate_ppm, rate_amount: b.rate_amount, amount: b.amount })),
    },
    amount_refunded: o.amount_refunded,
    delivered_at: o.delivered_at?.toISOString() ?? null,
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}
