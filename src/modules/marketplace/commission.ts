import { allocateLargestRemainder, divideRoundHalfUp } from '../pricing/pricing.allocate.js';

/**
 * Marketplace commission (#5): what the platform keeps of a seller's part of an order. Pure, in
 * integer minor units; rates are in parts per million like pricing's tax rates (12.5 % = 125_000).
 */

const MILLION = 1_000_000;

/** A seller's negotiated terms; every field falls back to the platform's. */
export interface SellerCommissionOverride {
  /** Beats every platform rate, but not the seller's own category rates. */
  ratePpm?: number;
  /** Beat everything else; the deepest matching category wins. */
  categoryRatesPpm?: Readonly<Record<string, number>>;
  fixedFeePerOrder?: number;
  minimumFee?: number;
}

export interface CommissionRules {
  defaultRatePpm: number;
  /** By category id; the deepest matching category wins, ties to the lowest category id. */
  categoryRatesPpm: Readonly<Record<string, number>>;
  sellerOverrides: Readonly<Record<string, SellerCommissionOverride>>;
  /** Added once per seller order, after the percentages. */
  fixedFeePerOrder: number;
  /** The least a seller order pays (before the cap at the order's amount). */
  minimumFee: number;
}

export interface SellerOrderLine {
  line_id: string;
  /** What the customer pays for the line, net of discounts and without tax, in minor units. */
  amount: number;
  /**
   * One root-to-category path per category of the product (`categories.path`, the category
   * itself last), so depth is known without the tree. Not `products.category_paths`, which
   * flattens them into one set and loses depth; order lines carry no categories at all, so the
   * marketplace must snapshot these at checkout (a later move of the tree must not change the
   * commission of a past sale).
   */
  category_paths: readonly (readonly string[])[];
}

/** One seller's part of an order, in one currency. */
export interface SellerOrder {
  seller_id: string;
  currency: string;
  lines: readonly SellerOrderLine[];
}

export interface LineCommission {
  line_id: string;
  rate_ppm: number;
  /** amount × rate, rounded half up on its own line. */
  rate_amount: number;
  /** The line's share of `total`: `rate_amount` plus its share of fee, top-up and cap. */
  amount: number;
}

/** `total = rate_total + fixed_fee + minimum_topup − capped_by`, and `total = Σ byLine.amount`. */
export interface Commission {
  seller_id: string;
  currency: string;
  total: number;
  byLine: LineCommission[];
  /** Σ rate_amount. */
  rate_total: number;
  fixed_fee: number;
  minimum_applied: boolean;
  /** What the minimum fee added: minimum − (rate_total + fixed_fee) when that is positive. */
  minimum_topup: number;
  /** What the cap at the order's amount took off (0 when it did not bite). */
  capped_by: number;
}

/** `rates[id]` for the deepest id on any path that has a rate, ties to the lowest id. */
function deepestRate(rates: Readonly<Record<string, number>> | undefined, paths: readonly (readonly string[])[]): number | undefined {
  if (!rates) return undefined;
  let best: { depth: number; id: string } | undefined;
  for (const path of paths) {
    path.forEach((id, index) => {
      // hasOwn, not `in` or a plain read: a category id such as "constructor" must not hit the prototype
      if (!Object.hasOwn(rates, id)) return;
      if (!best || index > best.depth || (index === best.depth && id < best.id)) best = { depth: index, id };
    });
  }
  return best ? rates[best.id] : undefined;
}

function overrideOf(rules: CommissionRules, sellerId: string): SellerCommissionOverride | undefined {
  return Object.hasOwn(rules.sellerOverrides, sellerId) ? rules.sellerOverrides[sellerId] : undefined;
}

/**
 * The rate (ppm) for a line of `sellerId` in `categoryPaths`: the seller's category rate for the
 * deepest matching category, else the seller's flat rate, else the platform's category rate for
 * the deepest matching category, else the default rate.
 * @example commissionRateFor({ ...rules, sellerOverrides: { sel_1: { ratePpm: 80_000 } } }, 'sel_1', [['cat_media', 'cat_books']]) // 80_000
 */
export function commissionRateFor(rules: CommissionRules, sellerId: string, categoryPaths: readonly (readonly string[])[]): number {
  const override = overrideOf(rules, sellerId);
  return deepestRate(override?.categoryRatesPpm, categoryPaths) ?? override?.ratePpm ?? deepestRate(rules.categoryRatesPpm, categoryPaths) ?? rules.defaultRatePpm;
}

function checkRate(rate: number, where: string): void {
  if (!Number.isSafeInteger(rate) || rate < 0 || rate > MILLION) throw new RangeError(`${where}: a rate is an integer from 0 to 1_000_000 ppm, got ${rate}`);
}

function checkAmount(amount: number, where: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${where}: an amount is a non-negative integer in minor units, got ${amount}`);
}

/**
 * The commission on one seller order:
 * 1. each line pays amount × its rate, rounded half up on the line (so a line's commission does
 *    not depend on the other lines);
 * 2. the fixed fee per order is added (the seller's, else the platform's);
 * 3. below the minimum fee (the seller's, else the platform's), the total is raised to it;
 * 4. the total is capped at the order's amount (Σ line amounts), so a seller never owes money
 *    on a sale: on a 50 order with a 100 minimum, the commission is 50. Shipping and tax are not
 *    commissioned and not part of the cap.
 *
 * What fee, top-up and cap add on top of the rate amounts is spread over the lines by largest
 * remainder, weighted by what the seller keeps of each line (amount − rate_amount); so no line's
 * commission exceeds its amount, and `byLine` adds up to `total`.
 * @example commissionFor(rules, { seller_id: 'sel_1', currency: 'EUR', lines: [{ line_id: 'l1', amount: 1000, category_paths: [] }] })
 */
export function commissionFor(rules: CommissionRules, sellerOrder: SellerOrder): Commission {
  const override = overrideOf(rules, sellerOrder.seller_id);
  const fixed_fee = override?.fixedFeePerOrder ?? rules.fixedFeePerOrder;
  const minimum = override?.minimumFee ?? rules.minimumFee;
  checkAmount(fixed_fee, `fixed fee of seller ${sellerOrder.seller_id}`);
  checkAmount(minimum, `minimum fee of seller ${sellerOrder.seller_id}`);
  if (new Set(sellerOrder.lines.map((l) => l.line_id)).size !== sellerOrder.lines.length) throw new RangeError('line ids must be unique within a seller order');

  const rated = sellerOrder.lines.map((line) => {
    checkAmount(line.amount, `line ${line.line_id}`);
    const rate_ppm = commissionRateFor(rules, sellerOrder.seller_id, line.category_paths);
    checkRate(rate_ppm, `rate for line ${line.line_id}`);
    // rate ≤ 100 % keeps rate_amount ≤ amount even after rounding up
    return { line, rate_ppm, rate_amount: divideRoundHalfUp(BigInt(line.amount) * BigInt(rate_ppm), BigInt(MILLION)) };
  });
  const goods = rated.reduce((sum, r) => sum + r.line.amount, 0);
  const rate_total = rated.reduce((sum, r) => sum + r.rate_amount, 0);
  const minimum_topup = Math.max(0, minimum - (rate_total + fixed_fee));
  const uncapped = rate_total + fixed_fee + minimum_topup;
  const total = Math.min(uncapped, goods);
  // total ≥ rate_total (uncapped ≥ it, and so is goods), and total − rate_total ≤ Σ headroom
  const shares = allocateLargestRemainder(
    total - rate_total,
    rated.map((r) => r.line.amount - r.rate_amount),
  );
  return {
    seller_id: sellerOrder.seller_id,
    currency: sellerOrder.currency,
    total,
    byLine: rated.map((r, i) => ({ line_id: r.line.line_id, rate_ppm: r.rate_ppm, rate_amount: r.rate_amount, amount: r.rate_amount + shares[i]! })),
    rate_total,
    fixed_fee,
    minimum_applied: minimum_topup > 0,
    minimum_topup,
    capped_by: uncapped - total,
  };
}

/** One problem with a set of rules: where (a dotted path into the rules) and what. */
export interface RuleProblem {
  path: string;
  detail: string;
}

/**
 * Everything wrong with `rules`: rates must be integers from 0 to 1_000_000 ppm, fees
 * non-negative integers in minor units. Empty when the rules are valid.
 * @example commissionRuleProblems({ ...rules, minimumFee: -1 }) // [{ path: 'minimumFee', detail: '…' }]
 */
export function commissionRuleProblems(rules: CommissionRules): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const rate = (path: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MILLION) problems.push({ path, detail: `A rate is an integer from 0 to 1000000 ppm; got ${String(value)}.` });
  };
  const fee = (path: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) problems.push({ path, detail: `A fee is a non-negative integer in minor units; got ${String(value)}.` });
  };
  const categoryRates = (path: string, rates: Readonly<Record<string, number>>) => {
    for (const [id, value] of Object.entries(rates)) rate(`${path}.${id}`, value);
  };
  rate('defaultRatePpm', rules.defaultRatePpm);
  categoryRates('categoryRatesPpm', rules.categoryRatesPpm);
  fee('fixedFeePerOrder', rules.fixedFeePerOrder);
  fee('minimumFee', rules.minimumFee);
  for (const [sellerId, o] of Object.entries(rules.sellerOverrides)) {
    const at = `sellerOverrides.${sellerId}`;
    if (o.ratePpm !== undefined) rate(`${at}.ratePpm`, o.ratePpm);
    if (o.categoryRatesPpm !== undefined) categoryRates(`${at}.categoryRatesPpm`, o.categoryRatesPpm);
    if (o.fixedFeePerOrder !== undefined) fee(`${at}.fixedFeePerOrder`, o.fixedFeePerOrder);
    if (o.minimumFee !== undefined) fee(`${at}.minimumFee`, o.minimumFee);
  }
  return problems;
}

/**
 * Throws a RangeError naming every problem when `rules` are not valid (see
 * `commissionRuleProblems`); a service turning them into a 422 should use that instead.
 */
export function assertValidRules(rules: CommissionRules): void {
  const problems = commissionRuleProblems(rules);
  if (problems.length) throw new RangeError(`invalid commission rules: ${problems.map((p) => `${p.path}: ${p.detail}`).join(' ')}`);
}
