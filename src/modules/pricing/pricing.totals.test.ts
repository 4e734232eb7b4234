import { describe, expect, it } from 'vitest';
import { testCart as cart, testLine as line, testPromotion as promo } from '../promotions/promotions.fixtures.js';
import { shippingAmount } from './pricing.shipping.js';
import { priceCart } from './pricing.totals.js';

const NOW = new Date('2025-06-01T12:00:00Z');

describe('priceCart: worked examples', () => {
  it('exclusive 8.875 % (New York): tax per line, half up, added to the total', () => {
    const t = priceCart(cart([line('a', 10_000), line('b', 1999, 3)], { tax: { rate_ppm: 88_750, inclusive: false, category_rates: [] } }), [], NOW);
    expect(t.lines.map((l) => [l.subtotal, l.tax, l.total])).toEqual([
      [10_000, 888, 10_888], // 887.5 → 888
      [5997, 532, 6529], // 532.23 → 532
    ]);
    expect(t).toMatchObject({ subtotal: 15_997, discount_total: 0, shipping_total: 0, tax_total: 1420, total: 17_417, tax_inclusive: false });
  });

  it('inclusive 20 % (VAT): tax is inside the price, the total does not grow', () => {
    const t = priceCart(cart([line('a', 12_000), line('b', 999)], { tax: { rate_ppm: 200_000, inclusive: true, category_rates: [] } }), [], NOW);
    expect(t.lines.map((l) => [l.tax, l.total])).toEqual([
      [2000, 12_000],
      [166, 999], // 999 − round(832.5)
    ]);
    expect(t).toMatchObject({ subtotal: 12_999, tax_total: 2166, total: 12_999, tax_inclusive: true });
  });

  it('a category override: the deepest matching category sets the rate', () => {
    const tax = {
      rate_ppm: 200_000,
      inclusive: true,
      category_rates: [
        { category_id: 'cat_media', rate_ppm: 100_000, depth: 1 },
        { category_id: 'cat_books', rate_ppm: 50_000, depth: 2 },
      ],
    };
    const t = priceCart(cart([line('book', 2100, 1, { category_ids: ['cat_media', 'cat_books'] }), line('dvd', 1100, 1, { category_ids: ['cat_media'] }), line('toy', 1200)], { tax }), [], NOW);
    expect(t.lines.map((l) => l.tax)).toEqual([100, 100, 200]); // 2100/1.05, 1100/1.1, 1200/1.2
  });

  it('weight bands price shipping, taxed at the base rate', () => {
    const lines = [line('a', 2000, 2, { weight_grams: 310 }), line('b', 3000, 1, { weight_grams: 880 })];
    const amount = shippingAmount({ type: 'weight', bands: [{ max_grams: 500, amount: 300 }, { max_grams: 2000, amount: 700 }, { max_grams: null, amount: 1500 }] }, 1500);
    expect(amount).toBe(700);
    const t = priceCart(cart(lines, { shipping: { option_id: 'so_1', amount: amount!, free_over_amount: null }, tax: { rate_ppm: 88_750, inclusive: false, category_rates: [] } }), [], NOW);
    expect(t).toMatchObject({ subtotal: 7000, shipping_total: 700, shipping_discount: 0, tax_total: 621 + 62, total: 7000 + 700 + 683 });
  });

  it('free over a threshold: shipping is 0 once the discounted subtotal reaches it (not a discount)', () => {
    const shipping = { option_id: 'so_1', amount: 500, free_over_amount: 10_000 };
    const reached = priceCart(cart([line('a', 10_000)], { shipping }), [], NOW);
    expect(reached).toMatchObject({ shipping_total: 0, shipping_discount: 0, total: 10_000 });
    const tenOff = promo('promo_10', { actions: [{ type: 'percent_off', percent: 10 }] });
    const below = priceCart(cart([line('a', 10_000)], { shipping }), [tenOff], NOW);
    expect(below).toMatchObject({ discount_total: 1000, shipping_total: 500, total: 9500 });
  });

  it('a free-shipping promotion turns shipping into shipping_discount', () => {
    const shipping = { option_id: 'so_1', amount: 650, free_over_amount: null };
    const t = priceCart(cart([line('a', 3000)], { shipping, codes: ['SHIPFREE'] }), [promo('promo_s', { code: 'SHIPFREE', actions: [{ type: 'free_shipping' }] })], NOW);
    expect(t).toMatchObject({ shipping_total: 0, shipping_discount: 650, total: 3000 });
    expect(t.promotions.applied).toEqual([{ promotion_id: 'promo_s', code: 'SHIPFREE', name: 'promo_s', amount: 650 }]);
  });

  it('an order-level amount is spread over lines by largest remainder, and tax follows the discount', () => {
    const t = priceCart(
      cart([line('a', 1000), line('b', 1000), line('c', 1000)], { tax: { rate_ppm: 100_000, inclusive: false, category_rates: [] } }),
      [promo('promo_a', { actions: [{ type: 'amount_off', amount: 100 }] })],
      NOW,
    );
    expect(t.lines.map((l) => [l.discount, l.tax, l.total])).toEqual([
      [34, 97, 1063], // 96.6 → 97
      [33, 97, 1064], // 96.7 → 97
      [33, 97, 1064],
    ]);
    expect(t.lines[0]!.adjustments).toEqual([{ promotion_id: 'promo_a', amount: 34 }]);
    expect(t).toMatchObject({ discount_total: 100, tax_total: 291, total: 3191 });
  });

  it('an empty cart costs nothing', () => {
    const t = priceCart(cart([], { shipping: { option_id: 'so', amount: 0, free_over_amount: null } }), [promo('p', { actions: [{ type: 'amount_off', amount: 500 }] })], NOW);
    expect(t).toMatchObject({ subtotal: 0, discount_total: 0, total: 0, lines: [], promotions: { applied: [], rejected: [] } });
  });
});
