import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { PricingLine } from '../pricing/pricing.types.js';
import { applyBuyXGetY } from './promotions.buy-x-get-y.js';
import { testLine as line } from './promotions.fixtures.js';
import { ACTION_TYPES, CONDITION_TYPES, PromotionActionSchema, PromotionConditionSchema } from './promotions.registry.js';
import type { LineSelector, PromotionAction, PromotionCondition } from './promotions.types.js';

type BuyXGetY = Extract<PromotionAction, { type: 'buy_x_get_y' }>;
const bxgy = (extra: Partial<BuyXGetY> = {}): BuyXGetY => ({ type: 'buy_x_get_y', buy_quantity: 2, buy: {}, get_quantity: 1, get: {}, percent: 100, ...extra });
const discounts = (a: BuyXGetY, lines: PricingLine[]) => applyBuyXGetY(a, lines, lines.map((l) => l.unit_amount * l.quantity));

describe('registry schemas', () => {
  it('declare exactly the TypeScript condition and action types', () => {
    expectTypeOf<Static<typeof PromotionConditionSchema>>().toEqualTypeOf<PromotionCondition>();
    expectTypeOf<Static<typeof PromotionActionSchema>>().toEqualTypeOf<PromotionAction>();
    expect(CONDITION_TYPES).toEqual(['min_subtotal', 'skus', 'categories', 'customer_email_domain', 'customer_segment', 'first_order']);
    expect(ACTION_TYPES).toEqual(['percent_off', 'amount_off', 'free_shipping', 'buy_x_get_y']);
  });

  it('accept valid arguments and refuse bad ones', () => {
    expect(Value.Check(PromotionActionSchema, { type: 'percent_off', percent: 100 })).toBe(true);
    expect(Value.Check(PromotionActionSchema, { type: 'percent_off', percent: 101 })).toBe(false);
    expect(Value.Check(PromotionActionSchema, { type: 'percent_off', percent: 12.5 })).toBe(false);
    expect(Value.Check(PromotionActionSchema, { type: 'amount_off', amount: 0 })).toBe(false);
    expect(Value.Check(PromotionActionSchema, { type: 'amount_off', amount: 500, applies_to: { skus: [] } })).toBe(false);
    expect(Value.Check(PromotionActionSchema, { type: 'free_shipping', amount: 5 })).toBe(false);
    expect(Value.Check(PromotionActionSchema, { type: 'teleport' })).toBe(false);
    expect(Value.Check(PromotionActionSchema, bxgy({ buy: { category_ids: ['cat_1'] }, max_applications: 3 }))).toBe(true);
    expect(Value.Check(PromotionConditionSchema, { type: 'customer_email_domain', domains: ['acme.com'] })).toBe(true);
    expect(Value.Check(PromotionConditionSchema, { type: 'customer_email_domain', domains: ['not a domain'] })).toBe(false);
    expect(Value.Check(PromotionConditionSchema, { type: 'first_order' })).toBe(true);
    expect(Value.Check(PromotionConditionSchema, { type: 'min_subtotal', amount: -1 })).toBe(false);
  });
});

describe('buy X get Y', () => {
  it('buy 2 get 1 free: the cheapest unit is free', () => {
    expect(discounts(bxgy(), [line('a', 3000), line('b', 1000), line('c', 2000)])).toEqual([0, 1000, 0]);
  });

  it('repeats per complete set, discounting the cheapest units', () => {
    const six = [10, 20, 30, 40, 50, 60].map((p, i) => line(`l${i}`, p * 100));
    expect(discounts(bxgy(), six)).toEqual([1000, 2000, 0, 0, 0, 0]);
    expect(discounts(bxgy(), six.slice(0, 5))).toEqual([1000, 0, 0, 0, 0]); // 5 units: one set
    expect(discounts(bxgy({ max_applications: 1 }), six)).toEqual([1000, 0, 0, 0, 0, 0]);
  });

  it('counts units within a line', () => {
    expect(discounts(bxgy(), [line('a', 1000, 3)])).toEqual([1000]);
    expect(discounts(bxgy(), [line('a', 1000, 5)])).toEqual([1000]);
    expect(discounts(bxgy(), [line('a', 1000, 6)])).toEqual([2000]);
    expect(discounts(bxgy(), [line('a', 1000, 2)])).toEqual([0]);
  });

  it('buy from one set, get from another, at a percentage', () => {
    const lines = [line('shirt', 3000, 2, { sku: 'SHIRT' }), line('hat', 800, 3, { sku: 'HAT' })];
    const a = bxgy({ buy_quantity: 1, buy: { skus: ['SHIRT'] }, get_quantity: 1, get: { skus: ['HAT'] }, percent: 50 });
    expect(discounts(a, lines)).toEqual([0, 800]); // two hats at half price
    expect(discounts(a, [line('hat', 800, 3, { sku: 'HAT' })])).toEqual([0]); // nothing bought to pay for them
  });

  it('never discounts the units that pay: a unit counts either as bought or as discounted', () => {
    // Buy one from cat_x, get any one free. The cheapest unit is the only cat_x unit, so it must
    // pay, and the other unit is the free one.
    const a = bxgy({ buy_quantity: 1, buy: { category_ids: ['cat_x'] }, get_quantity: 1, get: {} });
    expect(discounts(a, [line('x', 100, 1, { category_ids: ['cat_x'] }), line('y', 500)])).toEqual([0, 500]);
    expect(discounts(a, [line('x', 100, 2, { category_ids: ['cat_x'] }), line('y', 500)])).toEqual([100, 0]);
  });

  it('works on what a line still costs after earlier discounts', () => {
    expect(applyBuyXGetY(bxgy(), [line('a', 1000, 3)], [2000])).toEqual([666]); // units now worth 667, 667, 666: the cheapest is free
  });

  it('property: never more than a line still costs, and never more than the get-eligible units are worth', () => {
    const lineArb = fc.record({ sku: fc.constantFrom('A', 'B', 'C'), unit_amount: fc.integer({ min: 0, max: 10_000 }), quantity: fc.integer({ min: 1, max: 12 }) });
    const sel = fc.option(fc.record({ skus: fc.subarray(['A', 'B', 'C'], { minLength: 1 }) }), { nil: undefined }).map((s): LineSelector => s ?? {});
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 5 }),
        fc.record({ buy_quantity: fc.integer({ min: 1, max: 4 }), get_quantity: fc.integer({ min: 1, max: 3 }), buy: sel, get: sel, percent: fc.integer({ min: 1, max: 100 }) }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 5, maxLength: 5 }),
        (raw, args, cuts) => {
          const lines = raw.map((l, i) => line(`l${i}`, l.unit_amount, l.quantity, { sku: l.sku }));
          const remaining = lines.map((l, i) => Math.floor((l.unit_amount * l.quantity * (100 - cuts[i]!)) / 100));
          const out = applyBuyXGetY({ type: 'buy_x_get_y', ...args }, lines, remaining);
          out.forEach((d, i) => {
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(remaining[i]!);
          });
          const getWorth = lines.reduce((s, l, i) => s + ((!args.get.skus || args.get.skus.includes(l.sku)) ? remaining[i]! : 0), 0);
          expect(out.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(getWorth);
          expect(applyBuyXGetY({ type: 'buy_x_get_y', ...args }, lines, remaining)).toEqual(out);
        },
      ),
      { numRuns: 300 },
    );
  });
});
