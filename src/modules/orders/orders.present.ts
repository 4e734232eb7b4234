import type { Order } from './orders.schemas.js';
import type { OrderWithLines } from './orders.repo.js';

/** The API representation of an order. */
export function presentOrder({ order: o, lines }: OrderWithLines): Order {
  return {
    id: o.id,
    object: 'order',
    status: o.status,
    cart_id: o.cart_id,
    region_id: o.region_id,
    currency: o.currency,
    email: o.email,
    customer_id: o.customer_id,
    shipping_address: o.shipping_address,
    billing_address: o.billing_address,
    shipping_method: o.shipping_method,
    promotions: o.promotions,
    lines: lines.map((l) => ({
      id: l.id,
      object: 'order_line' as const,
      variant_id: l.variant_id,
      product_id: l.product_id,
      sku: l.sku,
      title: l.title,
      seller_id: l.seller_id,
      unit_amount: l.unit_amount,
      quantity: l.quantity,
      subtotal: l.subtotal,
      discount: l.discount,
      tax: l.tax,
      total: l.total,
      quantity_refunded: l.quantity_refunded,
      quantity_fulfilled: l.quantity_fulfilled,
    })),
    totals: {
      subtotal: o.subtotal,
      discount_total: o.discount_total,
      shipping_total: o.shipping_total,
      shipping_discount_total: o.shipping_discount,
      tax_total: o.tax_total,
      tax_inclusive: o.tax_inclusive,
      total: o.total,
    },
    amount_refunded: o.amount_refunded,
    payment_id: o.payment_id,
    metadata: o.metadata,
    experiments: o.experiments,
    canceled_at: o.canceled_at?.toISOString() ?? null,
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}
