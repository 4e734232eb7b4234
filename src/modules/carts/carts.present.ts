import type { PromotionDef } from '../promotions/promotions.types.js';
import type { CartTotals, PricingCustomer, PricingInput, RegionPricing, RegionRow, ShippingOptionRow } from '../pricing/index.js';
import { priceCart, shippingAmount, totalWeightGrams } from '../pricing/index.js';
import type { CartItemRow, CartWithItems } from './carts.repo.js';
import type { Cart } from './carts.schemas.js';

/** The shipping the cart has chosen, priced for its current weight; null when none or it no longer fits. */
export function chosenShipping(data: CartWithItems, pricing: RegionPricing): { option: ShippingOptionRow; amount: number } | null {
  const id = data.cart.shipping_option_id;
  const option = id ? pricing.shippingOptions.get(id) : undefined;
  if (!option?.active) return null;
  const amount = shippingAmount(option.price, totalWeightGrams(data.items));
  return amount === null ? null : { option, amount };
}

type ChosenShipping = ReturnType<typeof chosenShipping>;

/** The pure pricing input of a cart: its lines, chosen shipping, region tax and customer. */
function pricingInput(data: CartWithItems, pricing: RegionPricing, shipping: ChosenShipping, customer: PricingCustomer): PricingInput {
  return {
    currency: data.cart.currency,
    lines: data.items.map((i) => ({
      id: i.id,
      product_id: i.product_id,
      variant_id: i.variant_id,
      sku: i.sku,
      category_ids: i.category_ids,
      unit_amount: i.unit_amount,
      quantity: i.quantity,
      weight_grams: i.weight_grams,
    })),
    shipping: shipping && { option_id: shipping.option.id, amount: shipping.amount, free_over_amount: shipping.option.free_over_amount },
    tax: pricing.tax,
    customer,
    codes: data.cart.promotion_codes,
  };
}

/** A priced cart: the input, the promotions it was priced with, and the totals. */
export interface PricedCart {
  data: CartWithItems;
  input: PricingInput;
  promotions: readonly PromotionDef[];
  totals: CartTotals;
  shipping: ChosenShipping;
  /** The region it was priced in (its capture method decides how checkout pays). */
  region: RegionRow;
}

export function priceCartData(data: CartWithItems, pricing: RegionPricing, customer: PricingCustomer, promotions: readonly PromotionDef[], now: Date): PricedCart {
  const shipping = chosenShipping(data, pricing);
  const input = pricingInput(data, pricing, shipping, customer);
  return { data, input, promotions, totals: priceCart(input, promotions, now), shipping, region: pricing.region };
}

/** A line's amounts in a priced cart: what it costs, its discount and tax, and by which promotions. */
export function lineAmounts(priced: PricedCart, item: Pick<CartItemRow, 'id' | 'unit_amount' | 'quantity'>): { subtotal: number; discount: number; tax: number; total: number; adjustments: { promotion_id: string; amount: number }[] } {
  const t = priced.totals.lines.find((l) => l.id === item.id);
  // priceCart prices every line it is given; the fallback only keeps a type-safe shape
  const subtotal = item.unit_amount * item.quantity;
  return { subtotal: t?.subtotal ?? subtotal, discount: t?.discount ?? 0, tax: t?.tax ?? 0, total: t?.total ?? subtotal, adjustments: t?.adjustments ?? [] };
}

/** The API representation of a priced cart. */
export function presentCart(priced: PricedCart): Cart {
  const { cart, items } = priced.data;
  const { totals } = priced;
  return {
    id: cart.id,
    object: 'cart',
    status: cart.status,
    region_id: cart.region_id,
    currency: cart.currency,
    email: cart.email,
    customer_id: cart.customer_id,
    shipping_address: cart.shipping_address,
    billing_address: cart.billing_address,
    shipping_method: priced.shipping && { option_id: priced.shipping.option.id, name: priced.shipping.option.name, amount: priced.shipping.amount },
    items: items.map((i) => ({
      id: i.id,
      object: 'cart_item' as const,
      variant_id: i.variant_id,
      product_id: i.product_id,
      sku: i.sku,
      title: i.title,
      unit_amount: i.unit_amount,
      quantity: i.quantity,
      ...lineAmounts(priced, i),
      metadata: i.metadata,
    })),
    promotions: { codes: cart.promotion_codes, applied: totals.promotions.applied, rejected: totals.promotions.rejected },
    totals: {
      subtotal: totals.subtotal,
      discount_total: totals.discount_total,
      shipping_total: totals.shipping_total,
      shipping_discount_total: totals.shipping_discount,
      tax_total: totals.tax_total,
      tax_inclusive: totals.tax_inclusive,
      total: totals.total,
    },
    order_id: cart.order_id,
    metadata: cart.metadata,
    expires_at: cart.expires_at.toISOString(),
    created_at: cart.created_at.toISOString(),
    updated_at: cart.updated_at.toISOString(),
  };
}
