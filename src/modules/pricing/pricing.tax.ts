import { divideRoundHalfUp } from './pricing.allocate.js';
import type { TaxPolicy } from './pricing.types.js';

const MILLION = 1_000_000n;

/**
 * The rate (ppm) that applies to a line in `categoryIds` (its categories and their ancestors):
 * the deepest matching category override, ties to the lowest category id, else the base rate.
 * @example rateFor({ rate_ppm: 200_000, inclusive: true, category_rates: [{ category_id: 'cat_books', rate_ppm: 0, depth: 2 }] }, ['cat_media', 'cat_books']) // 0
 */
export function rateFor(policy: TaxPolicy, categoryIds: readonly string[]): number {
  let best: TaxPolicy['category_rates'][number] | undefined;
  for (const o of policy.category_rates) {
    if (!categoryIds.includes(o.category_id)) continue;
    if (!best || o.depth > best.depth || (o.depth === best.depth && o.category_id < best.category_id)) best = o;
  }
  return best ? best.rate_ppm : policy.rate_ppm;
}

/**
 * The tax in `net` (a non-negative amount in minor units) at `ratePpm`, rounded half up.
 * Exclusive: the tax added on top, net·rate/10⁶. Inclusive: the part of `net` that is tax,
 * net − net·10⁶/(10⁶ + rate).
 * @example taxOn(10_000, 88_750, false) // 888 (887.5 rounds up)
 * @example taxOn(12_000, 200_000, true) // 2000
 */
export function taxOn(net: number, ratePpm: number, inclusive: boolean): number {
  if (net <= 0 || ratePpm <= 0) return 0;
  const n = BigInt(net);
  const r = BigInt(ratePpm);
  if (!inclusive) return divideRoundHalfUp(n * r, MILLION);
  return net - divideRoundHalfUp(n * MILLION, MILLION + r);
}
