/**
 * Pure pricing of one meter's usage under a plan: the free quota, then graduated tiers (Stripe's
 * "graduated" semantics: each unit is priced by the tier it falls in, not all units by the last
 * tier reached). Amounts are integer minor units.
 *
 * - Tier bounds (`up_to`) count the period's total usage, the free quota included: with
 *   `free_quota: 1000` and a first tier `up_to: 10000`, units 1–1000 are free and units
 *   1001–10000 are priced by the first tier. A free quota reaching into later tiers makes their
 *   first units free too. The last tier is open (`up_to: null`); a plan whose last tier is
 *   bounded still prices units beyond it at the last tier's price (`tierProblems` refuses it).
 * - Unit prices below one minor unit (an API call at 0.1 cent) are given as
 *   `unit_amount_decimal`, a decimal string of minor units with at most 12 decimals, like
 *   Stripe's. It wins over `unit_amount`. A line's amount is `quantity × price` computed exactly
 *   (BigInt) and rounded half up once per line, never per unit: 1,500 calls at "0.1" cost 150.
 *   So the total is monotone in the quantity and never negative.
 * - Lines: the free quota first (`tier: 0`, amount 0), then one line per tier that holds units
 *   (`tier: 1…n`); a tier without units has no line, and quantity 0 gives no lines. The line
 *   quantities sum to the quantity.
 */

export interface PriceTier {
  /** The last unit (of the period's total usage) this tier prices; null: no bound. */
  up_to: number | null;
  /** Minor units per unit. */
  unit_amount: number;
  /** Minor units per unit as a decimal string (at most 12 decimals); wins over `unit_amount`. */
  unit_amount_decimal?: string | null | undefined;
}

export interface MeterPricing {
  free_quota: number;
  tiers: readonly PriceTier[];
}

export interface TierLine {
  /** 0: the free quota; 1…n: the plan's tiers, in order. */
  tier: number;
  /** The first and last unit of the period's usage this line prices (1-based, inclusive). */
  first_unit: number;
  last_unit: number;
  quantity: number;
  /** The unit price in whole minor units; null when it has a fraction (see `unit_amount_decimal`). */
  unit_amount: number | null;
  /** The exact unit price in minor units, as a decimal string. */
  unit_amount_decimal: string;
  amount: number;
}

const SCALE_DIGITS = 12;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
const DECIMAL = /^(\d{1,15})(?:\.(\d{1,12}))?$/;

/** A decimal string of minor units as an integer scaled by 10^12; undefined when malformed. */
export function parseDecimal(value: string): bigint | undefined {
  const m = DECIMAL.exec(value);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(SCALE_DIGITS, '0');
  return BigInt(m[1]!) * SCALE + BigInt(frac);
}

/** A scaled price back to its shortest decimal string ("0.1", "12", "0.000125"). */
function formatDecimal(scaled: bigint): string {
  const whole = scaled / SCALE;
  const frac = (scaled % SCALE).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole.toString();
}

/** The tier's unit price, scaled by 10^12. */
function unitPrice(tier: PriceTier): bigint {
  if (tier.unit_amount_decimal != null) {
    const scaled = parseDecimal(tier.unit_amount_decimal);
    if (scaled === undefined) throw new Error(`invalid unit_amount_decimal "${tier.unit_amount_decimal}"`);
    return scaled;
  }
  if (!Number.isSafeInteger(tier.unit_amount) || tier.unit_amount < 0) throw new Error(`invalid unit_amount ${tier.unit_amount}`);
  return BigInt(tier.unit_amount) * SCALE;
}

/** `quantity × price`, rounded half up once, in minor units. */
function lineAmount(quantity: number, price: bigint): number {
  const amount = (BigInt(quantity) * price + SCALE / 2n) / SCALE;
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('line amount overflows');
  return Number(amount);
}

function line(tier: number, first: number, last: number, price: bigint): TierLine {
  const quantity = last - first + 1;
  return {
    tier,
    first_unit: first,
    last_unit: last,
    quantity,
    unit_amount: price % SCALE === 0n ? Number(price / SCALE) : null,
    unit_amount_decimal: formatDecimal(price),
    amount: lineAmount(quantity, price),
  };
}

/**
 * What is wrong with a meter's pricing, as messages (empty: it is valid): a non-negative integer
 * free quota; tiers with strictly increasing positive integer bounds, only the last one open;
 * prices that are non-negative integers or decimal strings of at most 12 decimals.
 */
export function tierProblems(pricing: MeterPricing): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(pricing.free_quota) || pricing.free_quota < 0) problems.push('free_quota must be a non-negative integer');
  let previous = 0;
  pricing.tiers.forEach((t, i) => {
    const last = i === pricing.tiers.length - 1;
    if (t.up_to === null) {
      if (!last) problems.push(`tier ${i + 1}: only the last tier may have up_to null`);
    } else {
      if (!Number.isSafeInteger(t.up_to) || t.up_to <= previous) problems.push(`tier ${i + 1}: up_to must be an integer above ${previous}`);
      if (last) problems.push(`tier ${i + 1}: the last tier must have up_to null`);
      previous = t.up_to;
    }
    if (t.unit_amount_decimal != null && parseDecimal(t.unit_amount_decimal) === undefined) problems.push(`tier ${i + 1}: unit_amount_decimal must be a decimal string with at most 12 decimals`);
    if (t.unit_amount_decimal == null && (!Number.isSafeInteger(t.unit_amount) || t.unit_amount < 0)) problems.push(`tier ${i + 1}: unit_amount must be a non-negative integer`);
  });
  return problems;
}

/**
 * The lines pricing `quantity` units of one meter in one period: the free quota's, then each
 * tier's that holds units. A plan without tiers prices everything above the free quota at 0.
 * @example priceMeter({ free_quota: 100, tiers: [{ up_to: 1000, unit_amount: 2 }, { up_to: null, unit_amount: 1 }] }, 1500)
 *   // free 1–100 (0), tier 1: 101–1000 × 2 = 1800, tier 2: 1001–1500 × 1 = 500
 */
export function priceMeter(pricing: MeterPricing, quantity: number): TierLine[] {
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw new Error(`invalid quantity ${quantity}`);
  const lines: TierLine[] = [];
  if (quantity === 0) return lines;
  const free = Math.min(quantity, Math.max(0, pricing.free_quota));
  if (free > 0) lines.push(line(0, 1, free, 0n));
  if (pricing.tiers.length === 0) {
    if (quantity > free) lines.push(line(1, free + 1, quantity, 0n));
    return lines;
  }
  let lower = 0; // the tier prices units lower+1 … upper
  pricing.tiers.forEach((tier, i) => {
    const open = i === pricing.tiers.length - 1 || tier.up_to === null;
    const upper = open ? quantity : Math.min(tier.up_to ?? quantity, quantity);
    const first = Math.max(lower, free) + 1;
    if (upper >= first) lines.push(line(i + 1, first, upper, unitPrice(tier)));
    lower = Math.max(lower, open ? quantity : (tier.up_to ?? quantity));
  });
  return lines;
}

/** The sum of the lines' amounts. */
export function totalOf(lines: readonly Pick<TierLine, 'amount'>[]): number {
  return lines.reduce((sum, l) => sum + l.amount, 0);
}
