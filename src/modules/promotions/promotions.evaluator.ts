import type { AppliedPromotion, PricingInput, RejectedPromotion } from '../pricing/pricing.types.js';
import { applyAction, checkCondition, type EligibilityContext, type Ineligibility } from './promotions.registry.js';
import type { PromotionDef } from './promotions.types.js';

/** The discount one promotion gives one line. */
export interface LineAdjustment {
  line_id: string;
  promotion_id: string;
  amount: number;
}

/** What `evaluatePromotions` decides: discounts per line and on shipping, and why others do not apply. */
export interface PromotionEvaluation {
  /** Non-zero discounts, per line per promotion, in the order the promotions applied. */
  lines: LineAdjustment[];
  shipping: {
    /** What the chosen shipping costs before promotions: 0 with no shipping, or once the free-over threshold is met. */
    amount: number;
    /** The part of `amount` a free-shipping promotion takes off (all of it, or 0). */
    discount: number;
    promotion_id: string | null;
  };
  applied: AppliedPromotion[];
  rejected: RejectedPromotion[];
}

/** Higher priority first, then by id (plain code-unit order, so it is the same on every machine). */
export function byPriority(a: PromotionDef, b: PromotionDef): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The first reason `p` cannot apply to this cart at `now`, in the documented order; null when eligible. */
export function ineligibility(p: PromotionDef, ctx: EligibilityContext, now: Date): Ineligibility | null {
  if (p.status !== 'active') return { reason: 'inactive', detail: 'This promotion is not active.' };
  if (p.starts_at && p.starts_at > now) return { reason: 'not_started', detail: `This promotion starts at ${p.starts_at.toISOString()}.` };
  if (p.ends_at && p.ends_at <= now) return { reason: 'expired', detail: `This promotion ended at ${p.ends_at.toISOString()}.` };
  if (p.usage_limit !== null && p.times_redeemed >= p.usage_limit) return { reason: 'usage_limit_reached', detail: 'This promotion has been used as many times as it can be.' };
  if (p.usage_limit_per_customer !== null && p.customer_redemptions >= p.usage_limit_per_customer) {
    return { reason: 'customer_usage_limit_reached', detail: 'You have already used this promotion as many times as it allows.' };
  }
  if (p.currency && p.currency !== ctx.input.currency) return { reason: 'currency_mismatch', detail: `This promotion is for carts in ${p.currency}.` };
  for (const condition of p.conditions) {
    const failed = checkCondition(condition, ctx);
    if (failed) return failed;
  }
  // A per-customer limit needs to know who the customer is, or it could be used again anonymously.
  if (p.usage_limit_per_customer !== null && !ctx.input.customer.id && !ctx.input.customer.email) {
    return { reason: 'email_required', detail: 'Enter your e-mail address to use this promotion.' };
  }
  return null;
}

/**
 * Decides which promotions apply to a cart and what they give. Pure: the same cart, promotions
 * and `now` always give the same answer.
 *
 * - Candidates: every active automatic promotion (code null) and every promotion whose code the
 *   shopper entered, taken by priority (higher first), then id.
 * - Each candidate is checked in this order: status, start, end, usage limit, per-customer
 *   limit, currency, its conditions (in their listed order), a known customer for a per-customer
 *   limit; then combinability (an exclusive promotion applies only when nothing applied before
 *   it, and after it nothing else applies); then it must give something (`no_discount`).
 * - Actions work on what each line still costs after the promotions before, so discounts stack
 *   without ever making a line negative.
 * - Only one promotion discounts shipping: the first applied with a free-shipping action. It
 *   counts as a discount even while shipping costs 0 (none chosen yet, or the free-over threshold
 *   met), so an entered free-shipping code stays applied with amount 0 rather than rejected.
 * - Only promotions the shopper entered a code for appear in `rejected`; automatic ones that do
 *   not apply are left out. A code matching no promotion (deleted since it was added to the cart,
 *   say) is rejected with `promotion_id: null` and reason `inactive`.
 *
 * @example evaluatePromotions(input, await promotions.loadForCart(ctx, { codes: input.codes, customerKey }), ctx.now())
 */
export function evaluatePromotions(input: PricingInput, promotions: readonly PromotionDef[], now: Date): PromotionEvaluation {
  const subtotals = input.lines.map((l) => l.unit_amount * l.quantity);
  const subtotal = subtotals.reduce((a, b) => a + b, 0);
  const codes = [...new Set(input.codes.map((c) => c.toUpperCase()))];
  const byId = new Map<string, PromotionDef>();
  for (const p of promotions) {
    if (p.code === null ? p.status === 'active' : codes.includes(p.code.toUpperCase())) byId.set(p.id, byId.get(p.id) ?? p);
  }
  const candidates = [...byId.values()].sort(byPriority);

  const ctx: EligibilityContext = { input, subtotal };
  const remaining = subtotals.slice();
  const lines: LineAdjustment[] = [];
  const rejected: RejectedPromotion[] = [];
  const appliedOrder: { p: PromotionDef; amount: number }[] = [];
  let exclusiveApplied = false;
  let freeShippingBy: string | null = null;

  for (const p of candidates) {
    const reject = (reason: Ineligibility['reason'], detail: string) => {
      if (p.code !== null) rejected.push({ promotion_id: p.id, code: p.code, reason, detail });
    };
    const failed = ineligibility(p, ctx, now);
    if (failed) {
      reject(failed.reason, failed.detail);
      continue;
    }
    if (exclusiveApplied || (!p.combinable && appliedOrder.length > 0)) {
      reject('not_combinable', exclusiveApplied ? 'Another promotion that cannot be combined is already applied.' : 'This promotion cannot be combined with the promotions already applied.');
      continue;
    }
    const local = remaining.slice();
    const discounts = input.lines.map(() => 0);
    let freeShipping = false;
    for (const action of p.actions) {
      const outcome = applyAction(action, { lines: input.lines, remaining: local });
      outcome.lines.forEach((d, i) => {
        discounts[i]! += d;
        local[i]! -= d;
      });
      freeShipping ||= outcome.freeShipping;
    }
    const lineTotal = discounts.reduce((a, b) => a + b, 0);
    const takesShipping = freeShipping && freeShippingBy === null;
    if (lineTotal === 0 && !takesShipping) {
      reject('no_discount', 'This promotion gives no discount on this cart.');
      continue;
    }
    local.forEach((r, i) => (remaining[i] = r));
    discounts.forEach((amount, i) => {
      if (amount > 0) lines.push({ line_id: input.lines[i]!.id, promotion_id: p.id, amount });
    });
    if (takesShipping) freeShippingBy = p.id;
    if (!p.combinable) exclusiveApplied = true;
    appliedOrder.push({ p, amount: lineTotal });
  }

  const known = new Set(promotions.flatMap((p) => (p.code === null ? [] : [p.code.toUpperCase()])));
  for (const code of codes) {
    if (!known.has(code)) rejected.push({ promotion_id: null, code, reason: 'inactive', detail: `No promotion has the code ${code}.` });
  }

  const discountTotal = subtotal - remaining.reduce((a, b) => a + b, 0);
  const base = input.shipping?.amount ?? 0;
  const freeOver = input.shipping?.free_over_amount ?? null;
  const charged = freeOver !== null && subtotal - discountTotal >= freeOver ? 0 : base;
  const shippingDiscount = freeShippingBy === null ? 0 : charged;
  const applied = appliedOrder.map(({ p, amount }) => ({
    promotion_id: p.id,
    code: p.code,
    name: p.name,
    amount: amount + (p.id === freeShippingBy ? shippingDiscount : 0),
  }));
  return { lines, shipping: { amount: charged, discount: shippingDiscount, promotion_id: freeShippingBy }, applied, rejected };
}
