import { describe, expect, it } from 'vitest';
import { shippingAmount, totalWeightGrams, type ShippingRule } from './pricing.shipping.js';

const bands: ShippingRule = {
  type: 'weight',
  bands: [
    { max_grams: 500, amount: 300 },
    { max_grams: 2000, amount: 700 },
    { max_grams: 10_000, amount: 1500 },
  ],
};

describe('shippingAmount', () => {
  it('charges a flat rate whatever the weight', () => {
    expect(shippingAmount({ type: 'flat', amount: 495 }, 0)).toBe(495);
    expect(shippingAmount({ type: 'flat', amount: 495 }, 1_000_000)).toBe(495);
  });

  it('picks the band holding the weight; bounds are inclusive', () => {
    expect(shippingAmount(bands, 0)).toBe(300);
    expect(shippingAmount(bands, 500)).toBe(300);
    expect(shippingAmount(bands, 501)).toBe(700);
    expect(shippingAmount(bands, 2000)).toBe(700);
    expect(shippingAmount(bands, 9999)).toBe(1500);
  });

  it('is null when the cart is too heavy for every band, unless an open band takes it', () => {
    expect(shippingAmount(bands, 10_001)).toBeNull();
    const open: ShippingRule = { type: 'weight', bands: [...bands.bands, { max_grams: null, amount: 4000 }] };
    expect(shippingAmount(open, 10_001)).toBe(4000);
    expect(shippingAmount(open, 400)).toBe(300);
  });

  it('does not depend on the order of the bands', () => {
    const shuffled: ShippingRule = { type: 'weight', bands: [{ max_grams: null, amount: 4000 }, { max_grams: 2000, amount: 700 }, { max_grams: 500, amount: 300 }] };
    expect(shippingAmount(shuffled, 100)).toBe(300);
    expect(shippingAmount(shuffled, 1000)).toBe(700);
    expect(shippingAmount(shuffled, 3000)).toBe(4000);
  });

  it('sums the cart weight over quantities', () => {
    expect(totalWeightGrams([{ weight_grams: 310, quantity: 2 }, { weight_grams: 0, quantity: 5 }, { weight_grams: 880, quantity: 1 }])).toBe(1500);
    expect(shippingAmount(bands, totalWeightGrams([{ weight_grams: 310, quantity: 2 }, { weight_grams: 880, quantity: 1 }]))).toBe(700);
  });
});
