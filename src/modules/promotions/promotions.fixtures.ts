import type { PricingInput, PricingLine } from '../pricing/pricing.types.js';
import type { PromotionDef } from './promotions.types.js';

/**
 * Builders for tests of pricing and promotions (here and in carts and checkout): small valid
 * objects with every field set, overridable in part.
 */

/** A cart line of `quantity` units at `unit_amount`, SKU `SKU-<id>`, no categories, weightless. */
export function testLine(id: string, unit_amount: number, quantity = 1, extra: Partial<PricingLine> = {}): PricingLine {
  return { id, product_id: `prod_${id}`, variant_id: `var_${id}`, sku: `SKU-${id}`, category_ids: [], unit_amount, quantity, weight_grams: 0, ...extra };
}

/** A USD cart of `lines`, no shipping, no tax, an anonymous first-time customer, no codes. */
export function testCart(lines: PricingLine[], extra: Partial<PricingInput> = {}): PricingInput {
  return {
    currency: 'USD',
    lines,
    shipping: null,
    tax: { rate_ppm: 0, inclusive: false, category_rates: [] },
    customer: { id: null, email: null, segments: [], has_orders: false },
    codes: [],
    ...extra,
  };
}

/** An active, automatic, combinable promotion with no conditions, limits or actions. */
export function testPromotion(id: string, extra: Partial<PromotionDef> = {}): PromotionDef {
  return {
    id,
    name: id,
    code: null,
    status: 'active',
    priority: 0,
    combinable: true,
    starts_at: null,
    ends_at: null,
    usage_limit: null,
    usage_limit_per_customer: null,
    times_redeemed: 0,
    customer_redemptions: 0,
    conditions: [],
    actions: [],
    ...extra,
  };
}
