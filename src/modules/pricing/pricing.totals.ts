import { evaluatePromotions } from '../promotions/promotions.evaluator.js';
import { rateFor, taxOn } from './pricing.tax.js';
import type { CartTotals, LineTotals, PricingInput, PromotionDef } from './pricing.types.js';

/**
 * Prices a cart: the one pure pipeline behind every cart response and checkout. Integer minor
 * units throughout; the same input, promotions and `now` always give the same totals.
 *
 * 1. Line subtotal = unit amount × quantity; the cart subtotal is their sum.
 * 2. Promotions (`evaluatePromotions`) discount lines, each at most what it still costs, and
 *    possibly shipping.
 * 3. Shipping: 0 with none chosen, or once subtotal − discounts reaches `free_over_amount` (not a
 *    discount); otherwise a free-shipping promotion turns all of it into `shipping_discount`.
 *    `shipping_total` is what is charged.
 * 4. Tax per line on subtotal − discount at the line's rate (the deepest category override, else
 *    the base rate), and on `shipping_total` at the base rate; half up. Exclusive tax is added on
 *    top, inclusive tax is the part of the price that is tax.
 * 5. total = subtotal − discount_total + shipping_total (+ tax_total when exclusive).
 *
 * @example priceCart({ currency: 'USD', lines, shipping: null, tax: { rate_ppm: 88_750, inclusive: false, category_rates: [] }, customer, codes: [] }, [], new Date())
 */
export function priceCart(input: PricingInput, promotions: readonly PromotionDef[], now: Date): CartTotals {
  const evaluation = evaluatePromotions(input, promotions, now);
  const adjustmentsByLine = new Map<string, { promotion_id: string; amount: number }[]>();
  for (const a of evaluation.lines) {
    const list = adjustmentsByLine.get(a.line_id) ?? [];
    list.push({ promotion_id: a.promotion_id, amount: a.amount });
    adjustmentsByLine.set(a.line_id, list);
  }

  const inclusive = input.tax.inclusive;
  const lines: LineTotals[] = input.lines.map((line) => {
    const subtotal = line.unit_amount * line.quantity;
    const adjustments = adjustmentsByLine.get(line.id) ?? [];
    const discount = adjustments.reduce((s, a) => s + a.amount, 0);
    const tax = taxOn(subtotal - discount, rateFor(input.tax, line.category_ids), inclusive);
    return { id: line.id, subtotal, discount, tax, total: subtotal - discount + (inclusive ? 0 : tax), adjustments };
  });

  const subtotal = lines.reduce((s, l) => s + l.subtotal, 0);
  const discountTotal = lines.reduce((s, l) => s + l.discount, 0);
  const shippingTotal = evaluation.shipping.amount - evaluation.shipping.discount;
  const taxTotal = lines.reduce((s, l) => s + l.tax, 0) + taxOn(shippingTotal, input.tax.rate_ppm, inclusive);
  return {
    subtotal,
    discount_total: discountTotal,
    shipping_total: shippingTotal,
    shipping_discount: evaluation.shipping.discount,
    tax_total: taxTotal,
    total: subtotal - discountTotal + shippingTotal + (inclusive ? 0 : taxTotal),
    tax_inclusive: inclusive,
    lines,
    promotions: { applied: evaluation.applied, rejected: evaluation.rejected },
  };
}
