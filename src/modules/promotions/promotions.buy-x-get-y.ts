import { allocateLargestRemainder, percentOf } from '../pricing/pricing.allocate.js';
import type { PricingLine } from '../pricing/pricing.types.js';
import { matchesSelector } from './promotions.selector.js';
import type { PromotionAction } from './promotions.types.js';

type BuyXGetY = Extract<PromotionAction, { type: 'buy_x_get_y' }>;

/** Units of one line worth the same: a line's remaining amount spread evenly over its quantity. */
interface UnitGroup {
  line: number;
  value: number;
  count: number;
  buy: boolean;
  get: boolean;
}

/**
 * Units are grouped rather than listed one by one, so a line of 10,000 units costs the same as
 * a line of one. A line's remaining amount r over q units gives r mod q units worth ⌈r/q⌉ and the
 * rest worth ⌊r/q⌋: the same split as a largest-remainder allocation over equal weights.
 */
function unitGroups(a: BuyXGetY, lines: readonly PricingLine[], remaining: readonly number[]): UnitGroup[] {
  const groups: UnitGroup[] = [];
  lines.forEach((line, i) => {
    const buy = matchesSelector(line, a.buy);
    const get = matchesSelector(line, a.get);
    if ((!buy && !get) || line.quantity <= 0) return;
    const r = remaining[i]!;
    const base = Math.floor(r / line.quantity);
    const extra = r - base * line.quantity;
    if (extra > 0) groups.push({ line: i, value: base + 1, count: extra, buy, get });
    if (line.quantity - extra > 0) groups.push({ line: i, value: base, count: line.quantity - extra, buy, get });
  });
  // Cheapest first; ties by line order, so the outcome is deterministic.
  return groups.sort((x, y) => x.value - y.value || x.line - y.line);
}

/**
 * Picks `units` get-eligible units, cheapest first, taking at most `maxAlsoBuyable` of those that
 * could also be bought (so enough remain to pay with). Greedy by value is the cheapest choice
 * under that one cap. Returns the count taken from each group, or null when there are too few.
 */
function takeCheapest(groups: readonly UnitGroup[], units: number, maxAlsoBuyable: number): number[] | null {
  let left = units;
  let buyableLeft = maxAlsoBuyable;
  const taken = groups.map((g) => {
    if (!g.get || left === 0) return 0;
    const t = Math.min(g.count, left, g.buy ? buyableLeft : Infinity);
    left -= t;
    if (g.buy) buyableLeft -= t;
    return t;
  });
  return left === 0 ? taken : null;
}

/**
 * The discount per line of a buy-X-get-Y action. It applies `n` times, the largest `n` (up to
 * `max_applications`) for which `n·get_quantity` get-eligible units can be discounted while
 * `n·buy_quantity` other buy-eligible units pay for them; a unit never counts both ways. The
 * discounted units are the cheapest that allow this. The discount is `percent` of their value,
 * rounded once, half up, then spread over their lines by largest remainder; so a line never gets
 * more than its remaining amount.
 */
export function applyBuyXGetY(a: BuyXGetY, lines: readonly PricingLine[], remaining: readonly number[]): number[] {
  const groups = unitGroups(a, lines, remaining);
  const count = (pick: (g: UnitGroup) => boolean) => groups.reduce((s, g) => s + (pick(g) ? g.count : 0), 0);
  const buyUnits = count((g) => g.buy);
  const getUnits = count((g) => g.get);
  const anyUnits = count(() => true);
  const pick = (n: number) => takeCheapest(groups, n * a.get_quantity, Math.max(0, buyUnits - n * a.buy_quantity));
  let lo = 0;
  let hi = Math.min(Math.floor(getUnits / a.get_quantity), Math.floor(buyUnits / a.buy_quantity), Math.floor(anyUnits / (a.buy_quantity + a.get_quantity)), a.max_applications ?? Infinity);
  // Fewer applications need fewer discounted units and fewer payers, so feasibility is
  // monotonic in n and a binary search finds the largest n.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (pick(mid)) lo = mid;
    else hi = mid - 1;
  }
  const taken = lo > 0 ? pick(lo) : null;
  if (!taken) return lines.map(() => 0);
  const valueByLine = lines.map(() => 0);
  groups.forEach((g, k) => (valueByLine[g.line]! += g.value * taken[k]!));
  const discounted = valueByLine.reduce((s, v) => s + v, 0);
  return allocateLargestRemainder(percentOf(discounted, a.percent), valueByLine);
}
