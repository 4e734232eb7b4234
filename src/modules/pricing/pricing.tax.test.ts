import { describe, expect, it } from 'vitest';
import { rateFor, taxOn } from './pricing.tax.js';
import type { TaxPolicy } from './pricing.types.js';

describe('taxOn', () => {
  it('exclusive 8.875 %: added on top, half up', () => {
    expect(taxOn(10_000, 88_750, false)).toBe(888); // 887.5
    expect(taxOn(5997, 88_750, false)).toBe(532); // 532.23
    expect(taxOn(1, 88_750, false)).toBe(0);
    expect(taxOn(6, 88_750, false)).toBe(1); // 0.5325
  });

  it('inclusive 20 %: the part of the price that is tax', () => {
    expect(taxOn(12_000, 200_000, true)).toBe(2000);
    expect(taxOn(999, 200_000, true)).toBe(166); // net 832.5 → 833
    expect(taxOn(1, 200_000, true)).toBe(0);
  });

  it('is 0 on nothing and at a zero rate', () => {
    expect(taxOn(0, 200_000, false)).toBe(0);
    expect(taxOn(5000, 0, true)).toBe(0);
  });

  it('stays exact on large amounts', () => {
    expect(taxOn(99_999_999_999, 999_999, false)).toBe(99_999_899_999); // 99_999_899_999.0001
  });
});

describe('rateFor', () => {
  const policy: TaxPolicy = {
    rate_ppm: 200_000,
    inclusive: true,
    category_rates: [
      { category_id: 'cat_media', rate_ppm: 100_000, depth: 1 },
      { category_id: 'cat_books', rate_ppm: 50_000, depth: 2 },
      { category_id: 'cat_b', rate_ppm: 70_000, depth: 3 },
      { category_id: 'cat_a', rate_ppm: 60_000, depth: 3 },
    ],
  };

  it('uses the deepest matching override, else the base rate', () => {
    expect(rateFor(policy, ['cat_media'])).toBe(100_000);
    expect(rateFor(policy, ['cat_media', 'cat_books'])).toBe(50_000);
    expect(rateFor(policy, ['cat_toys'])).toBe(200_000);
    expect(rateFor(policy, [])).toBe(200_000);
  });

  it('breaks a depth tie by the lowest category id', () => {
    expect(rateFor(policy, ['cat_b', 'cat_a', 'cat_media'])).toBe(60_000);
  });
});
