import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateLargestRemainder, divideRoundHalfUp, percentOf } from './pricing.allocate.js';

describe('allocateLargestRemainder', () => {
  it('splits in proportion, the leftover units going to the largest remainders', () => {
    expect(allocateLargestRemainder(1000, [3000, 2000, 5000])).toEqual([300, 200, 500]);
    expect(allocateLargestRemainder(10, [1, 2, 4])).toEqual([1, 3, 6]); // 1.43, 2.86, 5.71
  });

  it('breaks ties by index, deterministically', () => {
    expect(allocateLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateLargestRemainder(2, [5, 5, 5])).toEqual([1, 1, 0]);
  });

  it('gives zero weights nothing, splits evenly when all weights are zero, and handles no weights', () => {
    expect(allocateLargestRemainder(7, [0, 3, 0, 4])).toEqual([0, 3, 0, 4]);
    expect(allocateLargestRemainder(5, [0, 0])).toEqual([3, 2]);
    expect(allocateLargestRemainder(0, [])).toEqual([]);
    expect(() => allocateLargestRemainder(1, [])).toThrow(RangeError);
  });

  it('refuses negative or fractional input', () => {
    expect(() => allocateLargestRemainder(-1, [1])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(1.5, [1])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(1, [-1, 2])).toThrow(RangeError);
  });

  it('stays exact where floats would not (amount × weight beyond 2^53)', () => {
    const parts = allocateLargestRemainder(99_999_999_999, [99_999_999_999, 1, 99_999_999_999]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(99_999_999_999);
    expect(parts[1]).toBeLessThanOrEqual(1);
  });

  it('property: sums exactly, never exceeds a weight when total <= sum(weights), stays within one unit of the exact share', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 2_000_000 }), (weights, raw) => {
        const sum = weights.reduce((a, b) => a + b, 0);
        const total = sum === 0 ? raw : raw % (sum + 1);
        const parts = allocateLargestRemainder(total, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        parts.forEach((p, i) => {
          expect(Number.isInteger(p) && p >= 0).toBe(true);
          if (sum > 0) expect(p).toBeLessThanOrEqual(weights[i]!);
          // never more than one unit away from the exact share
          if (sum > 0) expect(Math.abs(p - (total * weights[i]!) / sum)).toBeLessThan(1);
        });
        expect(allocateLargestRemainder(total, weights)).toEqual(parts);
      }),
      { numRuns: 300 },
    );
  });
});

describe('half-up rounding', () => {
  it('rounds halves up and everything else to the nearest', () => {
    expect(divideRoundHalfUp(5n, 2n)).toBe(3);
    expect(divideRoundHalfUp(7n, 3n)).toBe(2);
    expect(divideRoundHalfUp(8n, 3n)).toBe(3);
    expect(percentOf(1005, 10)).toBe(101);
    expect(percentOf(1004, 10)).toBe(100);
    expect(percentOf(999, 100)).toBe(999);
  });
});
