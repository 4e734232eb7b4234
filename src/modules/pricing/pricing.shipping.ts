/**
 * How a shipping option prices a cart: a flat rate, or by the cart's total weight in bands.
 * Structurally the same as the `price` of a shipping option (`ShippingPrice` in pricing.schemas.ts).
 */
export type ShippingRule =
  | { type: 'flat'; amount: number }
  /** `max_grams` is inclusive; null is the open-ended last band. */
  | { type: 'weight'; bands: readonly { max_grams: number | null; amount: number }[] };

/**
 * The price of shipping `totalWeightGrams` with `option`, or null when no band takes that weight
 * (the cart is too heavy for this option).
 *
 * The bands are meant to come sorted by `max_grams` ascending, with the open band last, but the
 * answer does not depend on it: the tightest band that holds the weight wins, and the open band
 * is used only when no bounded band does.
 *
 * @example shippingAmount({ type: 'flat', amount: 500 }, 12_000) // 500
 * @example shippingAmount({ type: 'weight', bands: [{ max_grams: 1000, amount: 500 }, { max_grams: null, amount: 900 }] }, 1000) // 500
 */
export function shippingAmount(option: ShippingRule, totalWeightGrams: number): number | null {
  if (option.type === 'flat') return option.amount;
  let best: { max_grams: number | null; amount: number } | undefined;
  for (const band of option.bands) {
    if (band.max_grams === null) {
      if (!best) best = band;
    } else if (totalWeightGrams <= band.max_grams && (!best || best.max_grams === null || band.max_grams < best.max_grams)) {
      best = band;
    }
  }
  return best ? best.amount : null;
}

/** The cart's total weight: each line's unit weight times its quantity. */
export function totalWeightGrams(lines: readonly { weight_grams: number; quantity: number }[]): number {
  return lines.reduce((sum, l) => sum + l.weight_grams * l.quantity, 0);
}
