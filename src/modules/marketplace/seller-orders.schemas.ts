import { Type, type Static } from '@sinclair/typebox';
import { ListQuery } from '../../platform/http/pagination.js';
import { Amount, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { SELLER_ORDER_STATUSES } from './seller-orders.status.js';

export const SellerOrderLine = Type.Object(
  {
    order_line_id: Type.String(),
    product_id: Type.String(),
    sku: Type.String(),
    title: Type.String(),
    quantity: Type.Integer(),
    amount: Type.Integer({ description: "The line's total net of discounts, without tax." }),
    tax: Type.Integer(),
    commission: Type.Integer({ description: "The line's share of the seller order's commission." }),
  },
  { $id: 'SellerOrderLine' },
);

export const SellerOrder = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('seller_order'),
    order_id: Type.String(),
    seller_id: Type.String(),
    status: StringEnum(SELLER_ORDER_STATUSES, { description: 'Derived from the order, its own lines and its own shipments; `completed` once all its shipments are delivered.' }),
    currency: Type.String(),
    lines: Type.Array(Type.Ref(SellerOrderLine)),
    goods_amount: Amount,
    tax_amount: Amount,
    shipping_amount: Type.Integer({ description: "The seller order's share of the order's shipping (largest remainder by goods amount)." }),
    shipping_payee: StringEnum(['seller', 'platform']),
    commission_amount: Amount,
    commission: Type.Object(
      {
        total: Type.Integer(),
        rate_total: Type.Integer(),
        fixed_fee: Type.Integer(),
        minimum_applied: Type.Boolean(),
        minimum_topup: Type.Integer(),
        capped_by: Type.Integer(),
        by_line: Type.Array(Type.Object({ line_id: Type.String(), rate_ppm: Type.Integer(), rate_amount: Type.Integer(), amount: Type.Integer() })),
      },
      { description: 'The commission as computed when the seller order was created (a snapshot: later rule changes do not touch it).' },
    ),
    amount_refunded: Type.Integer(),
    delivered_at: Nullable(Timestamp, { description: 'When the last of its units was delivered.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'SellerOrder' },
);
export type SellerOrder = Static<typeof SellerOrder>;

export const SellerOrderListQuery = Type.Object(
  {
    ...ListQuery,
    order_id: Type.Optional(Type.String({ maxLength: 64 })),
    seller_id: Type.Optional(Type.String({ maxLength: 64, description: "A seller's seller orders (a seller key sees only its own anyway)." })),
    status: Type.Optional(StringEnum(SELLER_ORDER_STATUSES)),
  },
  { additionalProperties: false },
);
export type SellerOrderListQuery = Static<typeof SellerOrderListQuery>;
