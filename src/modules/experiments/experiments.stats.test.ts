import { describe, expect, it } from 'vitest';
import { erf, normalCdf, twoProportionPValue, variantResults } from './experiments.stats.js';

describe('experiment statistics (pure)', () => {
  it('erf and Φ match tabulated values to 1e-6', () => {
    // erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, Φ(1.96) = 0.9750021049, Φ(-1) = 0.1586552539
    expect(erf(0)).toBeCloseTo(0, 6);
    expect(erf(0.5)).toBeCloseTo(0.5204998778, 6);
    expect(erf(1)).toBeCloseTo(0.8427007929, 6);
    expect(erf(-1)).toBeCloseTo(-0.8427007929, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021049, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.1586552539, 6);
  });

  it('gives the pooled two-proportion z-test p-value (hand-computed)', () => {
    // 100/1000 vs 130/1000: pooled 0.115, se = sqrt(0.115·0.885·(2/1000)) = 0.0142671, z = 0.03/se = 2.1027406, p = 2(1−Φ(z)) = 0.0354885
    expect(twoProportionPValue(100, 1000, 130, 1000)).toBeCloseTo(0.0354885, 5);
    // 2/10 vs 5/10: pooled 0.35, se = sqrt(0.35·0.65·0.2) = 0.2133073, z = 0.3/se = 1.4064217, p = 0.1595989
    expect(twoProportionPValue(2, 10, 5, 10)).toBeCloseTo(0.1595989, 5);
    // symmetric in direction
    expect(twoProportionPValue(130, 1000, 100, 1000)).toBeCloseTo(0.0354885, 5);
  });

  it('answers 1 with no variance, null with an empty group', () => {
    expect(twoProportionPValue(0, 10, 0, 20)).toBe(1);
    expect(twoProportionPValue(5, 5, 7, 7)).toBe(1);
    expect(twoProportionPValue(0, 0, 1, 2)).toBeNull();
  });

  it('derives rates, AOV and revenue per exposure; the control has no p-value', () => {
    const [control, treatment] = variantResults([
      { variant: 'control', exposures: 4, conversions: 1, orders: 2, revenue: 3000 },
      { variant: 'treatment', exposures: 5, conversions: 3, orders: 3, revenue: 4500 },
    ]);
    expect(control).toMatchObject({ conversion_rate: 0.25, average_order_value: 1500, revenue_per_exposure: 750, p_value: null });
    // 1/4 vs 3/5: pooled 4/9, se = sqrt(4/9·5/9·(1/4+1/5)) = 0.3333333, z = 0.35/se = 1.05, p = 0.2937181
    expect(treatment).toMatchObject({ conversion_rate: 0.6, average_order_value: 1500, revenue_per_exposure: 900 });
    expect(treatment!.p_value).toBeCloseTo(0.2937181, 5);
  });
});
