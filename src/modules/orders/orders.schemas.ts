import { Type, type Static } from '@sinclair/typebox';
import { Amount, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { ListQuery } from '../../platform/http/pagination.js';
import { ORDER_STATUSES } from './orders.status.js';

const AddressOut = Nullable(Type.Object({}, { additionalProperties: Type.String() }));

export const OrderLine = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('order_line'),
    variant_id: Type.String(),
    product_id: Type.String(),
    sku: Type.String(),
    title: Type.String(),
    seller_id: Nullable(Type.String()),
    unit_amount: Type.Integer(),
    quantity: Type.Integer(),
    subtotal: Type.Integer(),
    discount: Type.Integer(),
    tax: Type.Integer(),
    total: Type.Integer(),
    quantity_refunded: Type.Integer(),
    quantity_fulfilled: Type.Integer({ description: 'Units handed to a carrier in shipments.' }),
  },
  { $id: 'OrderLine' },
);

export const Order = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('order'),
    status: StringEnum(ORDER_STATUSES),
    cart_id: Type.String(),
    region_id: Type.String(),
    currency: Type.String(),
    email: Nullable(Type.String()),
    customer_id: Nullable(Type.String()),
    shipping_address: AddressOut,
    billing_address: AddressOut,
    shipping_method: Nullable(Type.Object({ option_id: Type.String(), name: Type.String(), amount: Type.Integer() })),
    promotions: Type.Array(Type.Object({ promotion_id: Type.String(), code: Nullable(Type.String()), name: Type.String(), amount: Type.Integer() })),
    lines: Type.Array(Type.Ref(OrderLine)),
    totals: Type.Ref('Totals'),
    amount_refunded: Type.Integer(),
    payment_id: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.String()),
    experiments: Type.Record(Type.String(), Type.String(), {
      description: 'The experiment variants the shopper was assigned when ordering (`{ experiment key: variant }`); every event of the order carries them as `context.experiments`.',
    }),
    canceled_at: Nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Order' },
);
export type Order = Static<typeof Order>;

export const OrderListQuery = Type.Object(
  {
    ...ListQuery,
    status: Type.Optional(StringEnum(ORDER_STATUSES)),
    email: Type.Optional(Type.String({ maxLength: 254, description: 'Case-insensitive exact match.' })),
    customer_id: Type.Optional(Type.String({ maxLength: 64 })),
    'created[gte]': Type.Optional(Type.String({ format: 'date-time' })),
    'created[lt]': Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type OrderListQuery = Static<typeof OrderListQuery>;

export const RefundCreate = Type.Object(
  {
    amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 99_999_999_999, description: 'Minor units. Defaults to the value of `lines`, or everything not yet refunded.' })),
    lines: Type.Optional(
      Type.Array(Type.Object({ line_id: Type.String({ maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
    ),
    reason: Type.Optional(StringEnum(['requested_by_customer', 'duplicate', 'fraudulent', 'other'])),
    restock: Type.Optional(Type.Boolean({ default: false, description: 'Put refunded units that had shipped back on hand where they left from. Unshipped refunded units are always released from the order’s stock allocation.' })),
  },
  { additionalProperties: false },
);
export type RefundCreate = Static<typeof RefundCreate>;

export const OrderRefund = Type.Object({
  id: Type.String(),
  object: Type.Literal('refund'),
  order_id: Type.String(),
  payment_id: Type.String(),
  amount: Amount,
  status: StringEnum(['pending', 'succeeded', 'failed'], { description: '`pending`: the processor has not confirmed yet; it is retried with the same reference.' }),
  reason: Nullable(Type.String()),
  created_at: Timestamp,
});
