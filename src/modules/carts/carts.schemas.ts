import { Type, type Static } from '@sinclair/typebox';
import { Metadata, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { REJECTION_REASONS } from '../promotions/promotions.types.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Email = Type.String({ format: 'email', maxLength: 254 });

export const Address = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    state: Type.Optional(Type.String({ maxLength: 100 })),
    postal_code: Type.String({ minLength: 1, maxLength: 20 }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2; must be a country of the cart\'s region.' }),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
export type Address = Static<typeof Address>;

const Adjustment = Type.Object({ promotion_id: Type.String(), amount: Type.Integer() });

export const CartItem = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('cart_item'),
    variant_id: Type.String(),
    product_id: Type.String(),
    sku: Type.String(),
    title: Type.String(),
    unit_amount: Type.Integer(),
    quantity: Type.Integer(),
    subtotal: Type.Integer(),
    discount: Type.Integer(),
    tax: Type.Integer(),
    total: Type.Integer(),
    adjustments: Type.Array(Adjustment),
    metadata: Type.Record(Type.String(), Type.String()),
  },
  { $id: 'CartItem' },
);

export const Totals = Type.Object(
  {
    subtotal: Type.Integer(),
    discount_total: Type.Integer(),
    shipping_total: Type.Integer({ description: 'Shipping charged, after free-over thresholds and shipping discounts, before exclusive tax.' }),
    shipping_discount_total: Type.Integer({
      description: 'Shipping taken off by free-shipping promotions. Before version 2026-11-28: `shipping_discount`.',
    }),
    tax_total: Type.Integer(),
    tax_inclusive: Type.Boolean({ description: 'true: prices and `total` already include `tax_total`.' }),
    total: Type.Integer({ description: 'subtotal − discount_total + shipping_total (+ tax_total when exclusive).' }),
  },
  { $id: 'Totals' },
);

export const CartPromotions = Type.Object({
  codes: Type.Array(Type.String(), { description: 'Codes entered on this cart.' }),
  applied: Type.Array(Type.Object({ promotion_id: Type.String(), code: Nullable(Type.String()), name: Type.String(), amount: Type.Integer() })),
  rejected: Type.Array(
    Type.Object({ promotion_id: Nullable(Type.String()), code: Nullable(Type.String()), reason: StringEnum(REJECTION_REASONS), detail: Type.String() }),
  ),
});

export const Cart = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('cart'),
    status: StringEnum(['open', 'completing', 'completed']),
    region_id: Type.String(),
    currency: Type.String(),
    email: Nullable(Type.String()),
    customer_id: Nullable(Type.String()),
    shipping_address: Nullable(Address),
    billing_address: Nullable(Address),
    shipping_method: Nullable(Type.Object({ option_id: Type.String(), name: Type.String(), amount: Type.Integer() })),
    items: Type.Array(Type.Ref(CartItem)),
    promotions: CartPromotions,
    totals: Type.Ref(Totals),
    order_id: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.String()),
    expires_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Cart' },
);
export type Cart = Static<typeof Cart>;

const ItemRef = {
  variant_id: Type.Optional(Id),
  sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Instead of `variant_id`.' })),
  quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
  metadata: Type.Optional(Metadata),
};

export const ItemAdd = Type.Object(ItemRef, { additionalProperties: false, description: 'Give `variant_id` or `sku`. Adding a variant already in the cart adds to its quantity.' });
export type ItemAdd = Static<typeof ItemAdd>;

export const CartCreate = Type.Object(
  {
    region_id: Id,
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: "Must be the region's currency when given." })),
    email: Type.Optional(Email),
    customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Your id of the customer (segment promotions, per-customer limits). Secret or restricted keys only.' })),
    items: Type.Optional(Type.Array(ItemAdd, { maxItems: 100 })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CartCreate = Static<typeof CartCreate>;

export const CartPatch = Type.Object(
  {
    email: Type.Optional(Nullable(Email)),
    customer_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }), { description: 'Secret or restricted keys only.' })),
    shipping_address: Type.Optional(Nullable(Address)),
    billing_address: Type.Optional(Nullable(Address)),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CartPatch = Static<typeof CartPatch>;

export const ItemPatch = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 10_000 }), metadata: Type.Optional(Metadata) }, { additionalProperties: false });
export type ItemPatch = Static<typeof ItemPatch>;

export const CartShippingOption = Type.Object({
  id: Type.String(),
  object: Type.Literal('cart_shipping_option'),
  name: Type.String(),
  amount: Type.Integer({ description: 'What this option costs for this cart (weight bands and free-over thresholds applied).' }),
});
