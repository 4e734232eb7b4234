/**
 * The promotion model shared by the evaluator (pure), the promotions service (storage) and carts
 * and checkout (callers). Money is integer minor units of the cart's currency.
 */

/** Which lines an action or condition is about; absent fields match everything. */
export interface LineSelector {
  skus?: string[];
  /** Matches a line whose product is in one of these categories or any of their descendants. */
  category_ids?: string[];
}

/** Conditions: every condition of a promotion must hold. */
export type PromotionCondition =
  | { type: 'min_subtotal'; amount: number }
  | { type: 'skus'; skus: string[] }
  | { type: 'categories'; category_ids: string[] }
  | { type: 'customer_email_domain'; domains: string[] }
  | { type: 'customer_segment'; segments: string[] }
  | { type: 'first_order' };

/** Actions: what an eligible promotion gives. */
export type PromotionAction =
  /** `percent` in 1..100 off the selected lines (all lines when `applies_to` is absent). */
  | { type: 'percent_off'; percent: number; applies_to?: LineSelector }
  /** A fixed amount off the selected lines (the order when absent), capped at what they cost. */
  | { type: 'amount_off'; amount: number; applies_to?: LineSelector }
  | { type: 'free_shipping' }
  /**
   * Buy `buy_quantity` units matching `buy`, get `get_quantity` units matching `get` at
   * `percent` off (100 = free); the cheapest qualifying units are discounted. Repeats up to
   * `max_applications` times (unbounded when absent).
   */
  | { type: 'buy_x_get_y'; buy_quantity: number; buy: LineSelector; get_quantity: number; get: LineSelector; percent: number; max_applications?: number };

/** A promotion as the evaluator sees it, with its usage so far. */
export interface PromotionDef {
  id: string;
  name: string;
  /** null for an automatic promotion; upper-case for a code. */
  code: string | null;
  status: 'active' | 'inactive';
  /** Higher first; ties by id. */
  priority: number;
  /** false: exclusive, applies only alone. */
  combinable: boolean;
  starts_at: Date | null;
  ends_at: Date | null;
  /**
   * The currency the promotion's amounts (min_subtotal, amount_off) are in; it applies only to
   * carts in that currency. null or absent: every currency (fine for percent-only promotions and
   * single-currency stores).
   */
  currency?: string | null;
  usage_limit: number | null;
  usage_limit_per_customer: number | null;
  times_redeemed: number;
  /** Redemptions by this cart's customer (by customer id, else by e-mail). */
  customer_redemptions: number;
  conditions: PromotionCondition[];
  actions: PromotionAction[];
}

/** Why a promotion does not apply. Stable machine values: they are part of the API. */
export const REJECTION_REASONS = [
  'inactive',
  'not_started',
  'expired',
  'min_subtotal_not_met',
  'no_matching_items',
  'customer_not_eligible',
  'email_required',
  'not_first_order',
  'usage_limit_reached',
  'customer_usage_limit_reached',
  'not_combinable',
  'no_discount',
  'currency_mismatch',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];
