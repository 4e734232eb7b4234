const digitsCache = new Map<string, number>();

/** How many minor-unit digits `currency` has (2 for USD, 0 for JPY, 3 for KWD); 2 when unknown. */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2; // not an ISO 4217 code Intl knows
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

/**
 * Minor units as a human amount for messages, by string arithmetic (no floats).
 * @example formatMoney(1250, 'USD') // "12.50 USD"
 * @example formatMoney(500, 'JPY') // "500 JPY"
 */
export function formatMoney(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = amount < 0 ? '-' : '';
  const abs = String(Math.abs(amount));
  if (digits === 0) return `${sign}${abs} ${currency}`;
  const padded = abs.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)} ${currency}`;
}
