import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LineSelector, PromotionAction, PromotionCondition, PromotionDef } from '../promotions/promotions.types.js';
import { allocateLargestRemainder } from './pricing.allocate.js';
import { priceCart } from './pricing.totals.js';
import type { PricingInput } from './pricing.types.js';

/** Property-style tests: random carts and promotions, invariants that must always hold. */

const NOW = new Date('2025-06-01T12:00:00Z');
const SKUS = ['A', 'B', 'C', 'D'];
const CATEGORIES = ['cat_1', 'cat_2', 'cat_3'];
const CODES = ['C1', 'C2', 'C3'];

const selector: fc.Arbitrary<LineSelector | undefined> = fc.option(
  fc.record({ skus: fc.subarray(SKUS, { minLength: 1 }), category_ids: fc.subarray(CATEGORIES, { minLength: 1 }) }, { requiredKeys: [] }),
  { nil: undefined },
);

const action: fc.Arbitrary<PromotionAction> = fc.oneof(
  fc.record({ type: fc.constant('percent_off' as const), percent: fc.integer({ min: 1, max: 100 }), applies_to: selector }),
  fc.record({ type: fc.constant('amount_off' as const), amount: fc.integer({ min: 1, max: 200_000 }), applies_to: selector }),
  fc.constant({ type: 'free_shipping' as const }),
  fc.record({
    type: fc.constant('buy_x_get_y' as const),
    buy_quantity: fc.integer({ min: 1, max: 3 }),
    buy: selector.map((s) => s ?? {}),
    get_quantity: fc.integer({ min: 1, max: 3 }),
    get: selector.map((s) => s ?? {}),
    percent: fc.integer({ min: 1, max: 100 }),
    max_applications: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  }),
);

const condition: fc.Arbitrary<PromotionCondition> = fc.oneof(
  fc.record({ type: fc.constant('min_subtotal' as const), amount: fc.integer({ min: 1, max: 100_000 }) }),
  fc.record({ type: fc.constant('skus' as const), skus: fc.subarray(SKUS, { minLength: 1 }) }),
  fc.record({ type: fc.constant('categories' as const), category_ids: fc.subarray(CATEGORIES, { minLength: 1 }) }),
  fc.record({ type: fc.constant('customer_email_domain' as const), domains: fc.subarray(['acme.com', 'other.org'], { minLength: 1 }) }),
  fc.record({ type: fc.constant('customer_segment' as const), segments: fc.subarray(['vip', 'staff'], { minLength: 1 }) }),
  fc.constant({ type: 'first_order' as const }),
);

const time = fc.option(fc.integer({ min: -3, max: 3 }).map((d) => new Date(NOW.getTime() + d * 86_400_000)), { nil: null });
const limit = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null });

const promotions: fc.Arbitrary<PromotionDef[]> = fc
  .array(
    fc.record({
      code: fc.option(fc.constantFrom(...CODES), { nil: null }),
      status: fc.constantFrom('active' as const, 'active' as const, 'inactive' as const),
      priority: fc.integer({ min: 0, max: 3 }),
      combinable: fc.boolean(),
      currency: fc.constantFrom(null, 'USD', 'EUR'),
      starts_at: time,
      ends_at: time,
      usage_limit: limit,
      usage_limit_per_customer: limit,
      times_redeemed: fc.integer({ min: 0, max: 6 }),
      customer_redemptions: fc.integer({ min: 0, max: 6 }),
      conditions: fc.array(condition, { maxLength: 2 }),
      actions: fc.array(action, { minLength: 1, maxLength: 3 }),
    }),
    { maxLength: 6 },
  )
  .map((list) => {
    const usedCodes = new Set<string>();
    return list.map((p, i) => {
      // codes are unique, as in storage
      const code = p.code !== null && !usedCodes.has(p.code) ? (usedCodes.add(p.code), p.code) : null;
      return { ...p, id: `promo_${i}`, name: `Promotion ${i}`, code };
    });
  });

const input: fc.Arbitrary<PricingInput> = fc.record({
  currency: fc.constantFrom('USD', 'USD', 'EUR'),
  lines: fc
    .array(
      fc.record({
        sku: fc.constantFrom(...SKUS),
        category_ids: fc.subarray(CATEGORIES),
        unit_amount: fc.integer({ min: 0, max: 100_000 }),
        quantity: fc.integer({ min: 1, max: 20 }),
        weight_grams: fc.integer({ min: 0, max: 5000 }),
      }),
      { maxLength: 6 },
    )
    .map((lines) => lines.map((l, i) => ({ ...l, id: `line_${i}`, product_id: `prod_${l.sku}`, variant_id: `var_${l.sku}` }))),
  shipping: fc.option(fc.record({ option_id: fc.constant('so_1'), amount: fc.integer({ min: 0, max: 5000 }), free_over_amount: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }) }), { nil: null }),
  tax: fc.record({
    rate_ppm: fc.integer({ min: 0, max: 300_000 }),
    inclusive: fc.boolean(),
    category_rates: fc.subarray([
      { category_id: 'cat_1', rate_ppm: 50_000, depth: 1 },
      { category_id: 'cat_2', rate_ppm: 0, depth: 2 },
      { category_id: 'cat_3', rate_ppm: 88_750, depth: 2 },
    ]),
  }),
  customer: fc.record({
    id: fc.option(fc.constant('cus_1'), { nil: null }),
    email: fc.option(fc.constantFrom('a@acme.com', 'b@other.org', 'c@ACME.COM'), { nil: null }),
    segments: fc.subarray(['vip', 'staff']),
    has_orders: fc.boolean(),
  }),
  codes: fc.subarray([...CODES, 'NOPE']),
});

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('priceCart properties', () => {
  it('no discount is negative or beyond its line; totals add up; nothing is negative', () => {
    fc.assert(
      fc.property(input, promotions, (cart, promos) => {
        const t = priceCart(cart, promos, NOW);
        for (const l of t.lines) {
          expect(l.discount).toBeGreaterThanOrEqual(0);
          expect(l.discount).toBeLessThanOrEqual(l.subtotal);
          expect(sum(l.adjustments.map((a) => a.amount))).toBe(l.discount);
          expect(l.adjustments.every((a) => a.amount > 0)).toBe(true);
          expect(l.tax).toBeGreaterThanOrEqual(0);
          expect(l.total).toBe(l.subtotal - l.discount + (t.tax_inclusive ? 0 : l.tax));
        }
        expect(t.subtotal).toBe(sum(cart.lines.map((l) => l.unit_amount * l.quantity)));
        expect(t.discount_total).toBeLessThanOrEqual(t.subtotal);
        expect(sum(t.lines.map((l) => l.discount))).toBe(t.discount_total);
        expect(sum(t.promotions.applied.map((a) => a.amount))).toBe(t.discount_total + t.shipping_discount);
        expect(t.shipping_total).toBeGreaterThanOrEqual(0);
        expect(t.shipping_total + t.shipping_discount).toBeLessThanOrEqual(cart.shipping?.amount ?? 0);
        expect(t.total).toBe(t.subtotal - t.discount_total + t.shipping_total + (t.tax_inclusive ? 0 : t.tax_total));
        expect(t.total).toBeGreaterThanOrEqual(0);
        expect([...Object.values(t).filter((v): v is number => typeof v === 'number')].every(Number.isSafeInteger)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic, and does not depend on the order promotions are passed in', () => {
    fc.assert(
      fc.property(input, promotions, (cart, promos) => {
        const t = priceCart(cart, promos, NOW);
        expect(priceCart(cart, promos, NOW)).toEqual(t);
        expect(priceCart(cart, [...promos].reverse(), NOW)).toEqual(t);
      }),
      { numRuns: 200 },
    );
  });

  it('applies a promotion at most once, rejects only entered codes, and keeps an exclusive promotion alone', () => {
    fc.assert(
      fc.property(input, promotions, (cart, promos) => {
        const t = priceCart(cart, promos, NOW);
        const applied = t.promotions.applied.map((a) => a.promotion_id);
        expect(new Set(applied).size).toBe(applied.length);
        for (const r of t.promotions.rejected) {
          expect(r.code).not.toBeNull();
          expect(cart.codes).toContain(r.code);
          if (r.promotion_id) expect(applied).not.toContain(r.promotion_id);
        }
        const exclusive = promos.filter((p) => !p.combinable && applied.includes(p.id));
        if (exclusive.length) expect(applied).toHaveLength(1);
        // every entered code is accounted for: applied or rejected
        for (const code of cart.codes) {
          const accounted = t.promotions.applied.some((a) => a.code === code) || t.promotions.rejected.some((r) => r.code === code);
          expect(accounted, code).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('allocation over the remaining line amounts sums exactly and caps every part', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 8 }), fc.nat(), (weights, seed) => {
        const total = seed % (sum(weights) + 1);
        const parts = allocateLargestRemainder(total, weights);
        expect(sum(parts)).toBe(total);
        parts.forEach((p, i) => expect(p).toBeLessThanOrEqual(weights[i]!));
      }),
    );
  });
});
