import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertValidRules, commissionFor, commissionRateFor, commissionRuleProblems, type CommissionRules, type SellerOrder } from './commission.js';

const PLATFORM: CommissionRules = { defaultRatePpm: 125_000, categoryRatesPpm: {}, sellerOverrides: {}, fixedFeePerOrder: 30, minimumFee: 100 };

function order(amounts: number[], sellerId = 'sel_1'): SellerOrder {
  return { seller_id: sellerId, currency: 'EUR', lines: amounts.map((amount, i) => ({ line_id: `line_${i + 1}`, amount, category_paths: [] })) };
}

describe('commissionFor, 12.5 % + 30 fixed + 100 minimum', () => {
  it('rounds each line half up, adds the fixed fee and spreads it over the lines', () => {
    const c = commissionFor(PLATFORM, order([1000, 333, 4]));
    // 125, 41.625 → 42, 0.5 → 1; + 30 = 198, above the minimum
    expect(c.byLine.map((l) => l.rate_amount)).toEqual([125, 42, 1]);
    expect(c).toMatchObject({ total: 198, rate_total: 168, fixed_fee: 30, minimum_applied: false, minimum_topup: 0, capped_by: 0 });
    // the 30 goes by what the seller keeps of each line (875, 291, 3): 22.46, 7.47, 0.08
    expect(c.byLine.map((l) => l.amount)).toEqual([147, 50, 1]);
    expect(c.byLine.every((l) => l.rate_ppm === 125_000)).toBe(true);
  });

  it('raises a small order to the minimum fee', () => {
    const c = commissionFor(PLATFORM, order([200, 100, 40]));
    // 25 + 12.5 → 13 + 5 = 43, + 30 = 73 < 100
    expect(c).toMatchObject({ total: 100, rate_total: 43, minimum_applied: true, minimum_topup: 27, capped_by: 0 });
    expect(c.byLine.map((l) => l.amount)).toEqual([58, 30, 12]);
  });

  it('never takes more than the order is worth, nor anything from an empty order', () => {
    const c = commissionFor(PLATFORM, order([50]));
    // 6.25 → 6, + 30 = 36, minimum 100, capped at 50
    expect(c).toMatchObject({ total: 50, rate_total: 6, minimum_topup: 64, capped_by: 50, minimum_applied: true });
    expect(c.byLine).toEqual([{ line_id: 'line_1', rate_ppm: 125_000, rate_amount: 6, amount: 50 }]);
    expect(commissionFor(PLATFORM, order([]))).toMatchObject({ total: 0, byLine: [], capped_by: 100 });
    expect(commissionFor(PLATFORM, order([0, 0]))).toMatchObject({ total: 0, byLine: [{ amount: 0 }, { amount: 0 }] });
  });

  it("uses the seller's own fixed and minimum fee", () => {
    const rules: CommissionRules = { ...PLATFORM, sellerOverrides: { sel_vip: { fixedFeePerOrder: 0, minimumFee: 0 } } };
    expect(commissionFor(rules, order([200, 100, 40], 'sel_vip'))).toMatchObject({ total: 43, fixed_fee: 0, minimum_applied: false });
    expect(commissionFor(rules, order([200, 100, 40], 'sel_other')).total).toBe(100);
  });

  it('refuses negative or fractional amounts, duplicate lines and out-of-range resolved rates', () => {
    expect(() => commissionFor(PLATFORM, order([-1]))).toThrow(RangeError);
    expect(() => commissionFor(PLATFORM, order([10.5]))).toThrow(RangeError);
    const dup = order([10, 20]);
    expect(() => commissionFor(PLATFORM, { ...dup, lines: dup.lines.map((l) => ({ ...l, line_id: 'same' })) })).toThrow(/unique/);
    expect(() => commissionFor({ ...PLATFORM, defaultRatePpm: 1_000_001 }, order([10]))).toThrow(RangeError);
    expect(() => commissionFor({ ...PLATFORM, minimumFee: -5 }, order([10]))).toThrow(RangeError);
  });

  it('stays exact on large amounts', () => {
    const c = commissionFor({ ...PLATFORM, defaultRatePpm: 999_999 }, order([99_999_999_999]));
    expect(c.byLine[0]!.rate_amount).toBe(99_999_899_999); // 99_999_899_999.000001
    expect(c.total).toBe(99_999_899_999 + 30);
  });
});

describe('commissionRateFor', () => {
  const rules: CommissionRules = {
    ...PLATFORM,
    defaultRatePpm: 150_000,
    categoryRatesPpm: { cat_media: 100_000, cat_books: 50_000, cat_a: 20_000, cat_b: 30_000 },
    sellerOverrides: { sel_flat: { ratePpm: 80_000 }, sel_cat: { ratePpm: 90_000, categoryRatesPpm: { cat_media: 70_000 } } },
  };
  const books = [['cat_media', 'cat_books']];

  it('platform: deepest matching category, else the default', () => {
    expect(commissionRateFor(rules, 'sel_x', books)).toBe(50_000);
    expect(commissionRateFor(rules, 'sel_x', [['cat_media']])).toBe(100_000);
    expect(commissionRateFor(rules, 'sel_x', [['cat_toys']])).toBe(150_000);
    expect(commissionRateFor(rules, 'sel_x', [])).toBe(150_000);
    // a product in two categories: the deeper one wins, wherever it is
    expect(commissionRateFor(rules, 'sel_x', [['cat_media'], ['cat_toys', 'cat_kids', 'cat_books']])).toBe(50_000);
  });

  it('breaks a tie in depth by the lowest category id', () => {
    expect(commissionRateFor(rules, 'sel_x', [['cat_root', 'cat_b'], ['cat_root', 'cat_a']])).toBe(20_000);
  });

  it("a seller's flat rate beats platform categories; their category rate beats everything", () => {
    expect(commissionRateFor(rules, 'sel_flat', books)).toBe(80_000);
    expect(commissionRateFor(rules, 'sel_cat', books)).toBe(70_000); // shallower than cat_books, still wins
    expect(commissionRateFor(rules, 'sel_cat', [['cat_toys']])).toBe(90_000);
  });

  it('is not fooled by ids that name Object.prototype members', () => {
    expect(commissionRateFor(rules, 'constructor', [['constructor', 'toString']])).toBe(150_000);
    expect(commissionRateFor(rules, '__proto__', [['hasOwnProperty']])).toBe(150_000);
  });

  it('is what commissionFor charges per line', () => {
    const c = commissionFor(rules, { seller_id: 'sel_cat', currency: 'EUR', lines: [{ line_id: 'l1', amount: 1000, category_paths: books }, { line_id: 'l2', amount: 1000, category_paths: [] }] });
    expect(c.byLine.map((l) => [l.rate_ppm, l.rate_amount])).toEqual([[70_000, 70], [90_000, 90]]);
  });
});

describe('rule validation', () => {
  it('accepts valid rules, with 0 % and 100 % at the edges', () => {
    const rules: CommissionRules = { ...PLATFORM, defaultRatePpm: 0, categoryRatesPpm: { c: 1_000_000 }, sellerOverrides: { s: { ratePpm: 0, minimumFee: 0 } } };
    expect(commissionRuleProblems(rules)).toEqual([]);
    expect(() => assertValidRules(rules)).not.toThrow();
  });

  it('names every bad rate and fee', () => {
    const rules: CommissionRules = {
      defaultRatePpm: 1_000_001,
      categoryRatesPpm: { cat_ok: 10, cat_bad: 12.5 },
      sellerOverrides: { sel_1: { ratePpm: -1, categoryRatesPpm: { c: Number.NaN }, fixedFeePerOrder: 1.5, minimumFee: -100 } },
      fixedFeePerOrder: -1,
      minimumFee: Number.POSITIVE_INFINITY,
    };
    expect(commissionRuleProblems(rules).map((p) => p.path)).toEqual([
      'defaultRatePpm',
      'categoryRatesPpm.cat_bad',
      'fixedFeePerOrder',
      'minimumFee',
      'sellerOverrides.sel_1.ratePpm',
      'sellerOverrides.sel_1.categoryRatesPpm.c',
      'sellerOverrides.sel_1.fixedFeePerOrder',
      'sellerOverrides.sel_1.minimumFee',
    ]);
    expect(() => assertValidRules(rules)).toThrow(/defaultRatePpm.*sellerOverrides\.sel_1\.minimumFee/);
  });
});

const CATEGORIES = ['cat_1', 'cat_2', 'cat_3', 'cat_4'];
const ppm = fc.integer({ min: 0, max: 1_000_000 });
const fee = fc.integer({ min: 0, max: 5_000 });
const categoryRates = fc.dictionary(fc.constantFrom(...CATEGORIES), ppm, { maxKeys: 3 });
const arbitraryRules: fc.Arbitrary<CommissionRules> = fc.record({
  defaultRatePpm: ppm,
  categoryRatesPpm: categoryRates,
  sellerOverrides: fc.dictionary(
    fc.constantFrom('sel_1', 'sel_2'),
    fc.record({ ratePpm: ppm, categoryRatesPpm: categoryRates, fixedFeePerOrder: fee, minimumFee: fee }, { requiredKeys: [] }),
  ),
  fixedFeePerOrder: fee,
  minimumFee: fee,
});
const path = fc.shuffledSubarray(CATEGORIES, { minLength: 1 });
const arbitraryOrder: fc.Arbitrary<SellerOrder> = fc.record({
  seller_id: fc.constantFrom('sel_1', 'sel_2', 'sel_3'),
  currency: fc.constant('EUR'),
  lines: fc
    .array(fc.record({ amount: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 10_000_000 })), category_paths: fc.array(path, { maxLength: 2 }) }), { maxLength: 6 })
    .map((lines) => lines.map((l, i) => ({ ...l, line_id: `line_${i}` }))),
});

describe('commissionFor properties', () => {
  it('adds up, stays within every line and the order, and applies fee, minimum and cap as documented', () => {
    fc.assert(
      fc.property(arbitraryRules, arbitraryOrder, (rules, o) => {
        const c = commissionFor(rules, o);
        const goods = o.lines.reduce((s, l) => s + l.amount, 0);
        expect(c.byLine.reduce((s, l) => s + l.amount, 0)).toBe(c.total);
        expect(c.byLine.reduce((s, l) => s + l.rate_amount, 0)).toBe(c.rate_total);
        expect(c.total).toBe(c.rate_total + c.fixed_fee + c.minimum_topup - c.capped_by);
        expect(c.total).toBeGreaterThanOrEqual(0);
        expect(c.total).toBeLessThanOrEqual(goods);
        const override = rules.sellerOverrides[o.seller_id];
        const fixed = override?.fixedFeePerOrder ?? rules.fixedFeePerOrder;
        const minimum = override?.minimumFee ?? rules.minimumFee;
        expect(c.fixed_fee).toBe(fixed);
        expect(c.minimum_applied).toBe(c.rate_total + fixed < minimum);
        expect(c.total).toBe(Math.min(goods, Math.max(c.rate_total + fixed, minimum)));
        c.byLine.forEach((l, i) => {
          const line = o.lines[i]!;
          expect(l.line_id).toBe(line.line_id);
          expect(l.rate_ppm).toBe(commissionRateFor(rules, o.seller_id, line.category_paths));
          // half up: rate_amount − exact ∈ (−½, ½]
          const twiceError = 2 * (l.rate_amount * 1_000_000 - line.amount * l.rate_ppm);
          expect(twiceError).toBeGreaterThan(-1_000_000);
          expect(twiceError).toBeLessThanOrEqual(1_000_000);
          expect(l.amount).toBeGreaterThanOrEqual(l.rate_amount);
          expect(l.amount).toBeLessThanOrEqual(line.amount);
          expect(Number.isSafeInteger(l.amount)).toBe(true);
        });
        expect(commissionFor(rules, o)).toEqual(c);
      }),
      { numRuns: 500 },
    );
  });

  it('never charges a seller less by giving them more sales (monotonic in a line amount)', () => {
    fc.assert(
      fc.property(arbitraryRules, arbitraryOrder, fc.nat(), fc.integer({ min: 1, max: 10_000 }), (rules, o, pick, extra) => {
        fc.pre(o.lines.length > 0);
        const i = pick % o.lines.length;
        const bigger = { ...o, lines: o.lines.map((l, j) => (j === i ? { ...l, amount: l.amount + extra } : l)) };
        expect(commissionFor(rules, bigger).total).toBeGreaterThanOrEqual(commissionFor(rules, o).total);
      }),
      { numRuns: 300 },
    );
  });
});
