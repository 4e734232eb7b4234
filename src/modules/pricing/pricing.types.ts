import type { PromotionDef, RejectionReason } from '../promotions/promotions.types.js';

/** One cart line as pricing sees it. */
export interface PricingLine {
  id: string;
  product_id: string;
  variant_id: string;
  sku: string;
  /** The product's categories and all their ancestors. */
  category_ids: readonly string[];
  unit_amount: number;
  quantity: number;
  weight_grams: number;
}

/**
 * A tax rate in parts per million (20 % = 200_000; 8.875 % = 88_750). Exclusive tax is added on
 * top; inclusive tax is the part of the price that is tax.
 */
export interface TaxPolicy {
  rate_ppm: number;
  inclusive: boolean;
  /** Overrides by category; the deepest matching category wins, then the lowest category id. */
  category_rates: readonly { category_id: string; rate_ppm: number; depth: number }[];
}

/** The shipping the cart chose, already priced by its option (flat or weight band). */
export interface PricingShipping {
  option_id: string;
  amount: number;
  /** Shipping is free when the discounted subtotal reaches this amount. */
  free_over_amount: number | null;
}

export interface PricingCustomer {
  id: string | null;
  email: string | null;
  segments: readonly string[];
  has_orders: boolean;
}

/** Everything `priceCart` needs: a pure function of this, the promotions and `now`. */
export interface PricingInput {
  currency: string;
  lines: readonly PricingLine[];
  shipping: PricingShipping | null;
  tax: TaxPolicy;
  customer: PricingCustomer;
  /** Codes the shopper entered, upper-case, in the order entered. */
  codes: readonly string[];
}

export interface LineTotals {
  id: string;
  subtotal: number;
  discount: number;
  tax: number;
  /** subtotal - discount (+ tax when exclusive) */
  total: number;
  /** Discount per promotion id on this line. */
  adjustments: { promotion_id: string; amount: number }[];
}

export interface AppliedPromotion {
  promotion_id: string;
  code: string | null;
  name: string;
  /** Discount from lines and shipping together. */
  amount: number;
}

export interface RejectedPromotion {
  promotion_id: string | null;
  code: string | null;
  reason: RejectionReason;
  detail: string;
}

export interface CartTotals {
  subtotal: number;
  discount_total: number;
  shipping_total: number;
  shipping_discount: number;
  tax_total: number;
  total: number;
  tax_inclusive: boolean;
  lines: LineTotals[];
  promotions: { applied: AppliedPromotion[]; rejected: RejectedPromotion[] };
}

export type { PromotionDef };
