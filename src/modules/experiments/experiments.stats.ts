/**
 * erf(x) by Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7 for every x, so p-values
 * from `normalCdf` are good to about 3e-7 — far finer than any decision made on them.
 */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** Φ(z), the standard normal CDF, through `erf` (absolute error below 1e-7). */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/**
 * The two-sided p-value of a pooled two-proportion z-test: are `x1` conversions out of `n1`
 * and `x2` out of `n2` the same rate? Null when either group is empty; 1 when the pooled rate is
 * 0 or 1 (both groups identical, no variance to test).
 * @example twoProportionPValue(100, 1000, 130, 1000) // ≈ 0.03549 (z ≈ 2.1027)
 */
export function twoProportionPValue(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  const z = (x2 / n2 - x1 / n1) / se;
  return Math.min(1, Math.max(0, 2 * (1 - normalCdf(Math.abs(z)))));
}

/** One variant's raw counts: exposed subjects, those of them who ordered, their orders and revenue (in one currency). */
export interface VariantCounts {
  variant: string;
  exposures: number;
  conversions: number;
  orders: number;
  revenue: number;
}

export interface VariantResult extends VariantCounts {
  conversion_rate: number;
  average_order_value: number | null;
  revenue_per_exposure: number;
  p_value: number | null;
}

/**
 * Per-variant rates from counts; the first variant is the control, and every other variant's
 * conversion is tested against it (the control's own `p_value` is null).
 */
export function variantResults(counts: readonly VariantCounts[]): VariantResult[] {
  const control = counts[0];
  return counts.map((c, i) => ({
    ...c,
    conversion_rate: c.exposures ? c.conversions / c.exposures : 0,
    average_order_value: c.orders ? c.revenue / c.orders : null,
    revenue_per_exposure: c.exposures ? c.revenue / c.exposures : 0,
    p_value: i === 0 || !control ? null : twoProportionPValue(control.conversions, control.exposures, c.conversions, c.exposures),
  }));
}
