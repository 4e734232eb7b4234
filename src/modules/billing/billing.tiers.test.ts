import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal, priceMeter, tierProblems, totalOf, type MeterPricing, type PriceTier } from './billing.tiers.js';

/** Random valid pricings: a free quota, 1–4 tiers with increasing bounds, the last open; integer or decimal prices. */
const price: fc.Arbitrary<Pick<PriceTier, 'unit_amount' | 'unit_amount_decimal'>> = fc.oneof(
  fc.integer({ min: 0, max: 500 }).map((unit_amount) => ({ unit_amount })),
  fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 999_999 })).map(([w, f]) => ({ unit_amount: 0, unit_amount_decimal: `${w}.${String(f).padStart(6, '0')}` })),
);
const pricing: fc.Arbitrary<MeterPricing> = fc
  .record({
    free_quota: fc.integer({ min: 0, max: 2_000 }),
    steps: fc.array(fc.integer({ min: 1, max: 1_000 }), { maxLength: 3 }),
    prices: fc.array(price, { minLength: 4, maxLength: 4 }),
  })
  .map(({ free_quota, steps, prices }) => {
    let bound = 0;
    const tiers: PriceTier[] = steps.map((s, i) => ({ up_to: (bound += s), ...prices[i]! }));
    tiers.push({ up_to: null, ...prices[3]! });
    return { free_quota, tiers };
  });
const quantity = fc.integer({ min: 0, max: 6_000 });

/** The reference: the tier of each unit, counted one by one; each tier's count × price rounded half up once. */
function reference(p: MeterPricing, q: number): number {
  const counts = new Map<number, number>();
  for (let u = 1; u <= q; u++) {
    if (u <= p.free_quota) continue;
    const i = p.tiers.findIndex((t) => t.up_to === null || u <= t.up_to);
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  let total = 0n;
  for (const [i, n] of counts) {
    const t = p.tiers[i]!;
    const scaled = t.unit_amount_decimal != null ? parseDecimal(t.unit_amount_decimal)! : BigInt(t.unit_amount) * 10n ** 12n;
    total += (BigInt(n) * scaled + 5n * 10n ** 11n) / 10n ** 12n;
  }
  return Number(total);
}

describe('graduated tier pricing (properties)', () => {
  it('generated pricings are valid', () => {
    fc.assert(
      fc.property(pricing, (p) => {
        expect(tierProblems(p)).toEqual([]);
      }),
    );
  });

  it('totals are never negative and every line is whole minor units', () => {
    fc.assert(
      fc.property(pricing, quantity, (p, q) => {
        const lines = priceMeter(p, q);
        expect(totalOf(lines)).toBeGreaterThanOrEqual(0);
        for (const l of lines) {
          expect(Number.isSafeInteger(l.amount)).toBe(true);
          expect(l.amount).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('the total is monotone in the quantity', () => {
    fc.assert(
      fc.property(pricing, quantity, fc.integer({ min: 0, max: 3_000 }), (p, q, more) => {
        expect(totalOf(priceMeter(p, q + more))).toBeGreaterThanOrEqual(totalOf(priceMeter(p, q)));
      }),
    );
  });

  it('line quantities sum to the quantity, and the lines cover units 1…q contiguously, in tier order', () => {
    fc.assert(
      fc.property(pricing, quantity, (p, q) => {
        const lines = priceMeter(p, q);
        expect(lines.reduce((s, l) => s + l.quantity, 0)).toBe(q);
        let next = 1;
        let tier = -1;
        for (const l of lines) {
          expect(l.first_unit).toBe(next);
          expect(l.last_unit - l.first_unit + 1).toBe(l.quantity);
          expect(l.quantity).toBeGreaterThan(0);
          expect(l.tier).toBeGreaterThan(tier);
          next = l.last_unit + 1;
          tier = l.tier;
        }
      }),
    );
  });

  it('a quantity inside the free quota costs 0 and is one free line', () => {
    fc.assert(
      fc.property(pricing, fc.nat(), (p, n) => {
        const q = p.free_quota === 0 ? 0 : (n % p.free_quota) + 1;
        const lines = priceMeter(p, q);
        expect(totalOf(lines)).toBe(0);
        if (q > 0) expect(lines).toEqual([{ tier: 0, first_unit: 1, last_unit: q, quantity: q, unit_amount: 0, unit_amount_decimal: '0', amount: 0 }]);
      }),
    );
  });

  it('each unit is priced by the tier it falls in (equals a unit-by-unit count), tier bounds exact', () => {
    fc.assert(
      fc.property(pricing, quantity, (p, q) => {
        const lines = priceMeter(p, q);
        expect(totalOf(lines)).toBe(reference(p, q));
        for (const l of lines.filter((x) => x.tier > 0)) {
          const t = p.tiers[l.tier - 1]!;
          const lower = l.tier === 1 ? 0 : (p.tiers[l.tier - 2]!.up_to ?? 0);
          expect(l.first_unit).toBeGreaterThan(Math.max(lower, p.free_quota));
          if (t.up_to !== null) expect(l.last_unit).toBeLessThanOrEqual(t.up_to);
        }
      }),
    );
  });
});

describe('graduated tier pricing (examples)', () => {
  const plan: MeterPricing = { free_quota: 100, tiers: [{ up_to: 1000, unit_amount: 2 }, { up_to: 5000, unit_amount: 1 }, { up_to: null, unit_amount: 0, unit_amount_decimal: '0.5' }] };

  it('prices the free quota, then each tier by its own price', () => {
    expect(priceMeter(plan, 6000)).toEqual([
      { tier: 0, first_unit: 1, last_unit: 100, quantity: 100, unit_amount: 0, unit_amount_decimal: '0', amount: 0 },
      { tier: 1, first_unit: 101, last_unit: 1000, quantity: 900, unit_amount: 2, unit_amount_decimal: '2', amount: 1800 },
      { tier: 2, first_unit: 1001, last_unit: 5000, quantity: 4000, unit_amount: 1, unit_amount_decimal: '1', amount: 4000 },
      { tier: 3, first_unit: 5001, last_unit: 6000, quantity: 1000, unit_amount: null, unit_amount_decimal: '0.5', amount: 500 },
    ]);
  });

  it('is exact at the boundaries: the bound unit is in its tier, the next one in the next tier', () => {
    expect(totalOf(priceMeter(plan, 100))).toBe(0);
    expect(totalOf(priceMeter(plan, 101))).toBe(2);
    expect(totalOf(priceMeter(plan, 1000))).toBe(1800);
    expect(priceMeter(plan, 1001).at(-1)).toMatchObject({ tier: 2, first_unit: 1001, last_unit: 1001, amount: 1 });
    expect(totalOf(priceMeter(plan, 5000))).toBe(5800);
    expect(priceMeter(plan, 5001).at(-1)).toMatchObject({ tier: 3, quantity: 1, amount: 1 }); // 0.5 rounds half up
  });

  it('rounds a fractional price once per line, not per unit', () => {
    const p: MeterPricing = { free_quota: 0, tiers: [{ up_to: null, unit_amount: 0, unit_amount_decimal: '0.1' }] };
    expect(totalOf(priceMeter(p, 1500))).toBe(150); // per unit it would be 0 (or 1500)
    expect(totalOf(priceMeter(p, 4))).toBe(0); // 0.4
    expect(totalOf(priceMeter(p, 5))).toBe(1); // 0.5: half up
    const third: MeterPricing = { free_quota: 0, tiers: [{ up_to: null, unit_amount: 0, unit_amount_decimal: '0.333333333333' }] };
    expect(totalOf(priceMeter(third, 3))).toBe(1);
  });

  it('a free quota reaching into a later tier makes its first units free', () => {
    const p: MeterPricing = { free_quota: 1500, tiers: [{ up_to: 1000, unit_amount: 5 }, { up_to: null, unit_amount: 3 }] };
    expect(priceMeter(p, 2000)).toEqual([
      { tier: 0, first_unit: 1, last_unit: 1500, quantity: 1500, unit_amount: 0, unit_amount_decimal: '0', amount: 0 },
      { tier: 2, first_unit: 1501, last_unit: 2000, quantity: 500, unit_amount: 3, unit_amount_decimal: '3', amount: 1500 },
    ]);
  });

  it('no usage gives no lines; refuses negative or fractional quantities', () => {
    expect(priceMeter(plan, 0)).toEqual([]);
    expect(() => priceMeter(plan, -1)).toThrow();
    expect(() => priceMeter(plan, 1.5)).toThrow();
  });

  it('tierProblems refuses unordered bounds, a bounded last tier, an open middle tier and bad prices', () => {
    expect(tierProblems({ free_quota: -1, tiers: [{ up_to: null, unit_amount: 1 }] })).toHaveLength(1);
    expect(tierProblems({ free_quota: 0, tiers: [{ up_to: 10, unit_amount: 1 }, { up_to: 5, unit_amount: 1 }, { up_to: null, unit_amount: 1 }] })).toHaveLength(1);
    expect(tierProblems({ free_quota: 0, tiers: [{ up_to: 10, unit_amount: 1 }] })).toHaveLength(1);
    expect(tierProblems({ free_quota: 0, tiers: [{ up_to: null, unit_amount: 1 }, { up_to: null, unit_amount: 1 }] })).toHaveLength(1);
    expect(tierProblems({ free_quota: 0, tiers: [{ up_to: null, unit_amount: -1 }] })).toHaveLength(1);
    expect(tierProblems({ free_quota: 0, tiers: [{ up_to: null, unit_amount: 0, unit_amount_decimal: '0.1234567890123' }] })).toHaveLength(1);
  });
});
