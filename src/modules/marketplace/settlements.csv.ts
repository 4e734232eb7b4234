import type { SettlementRun } from './settlements.service.js';

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; quotes doubled. */
export function csvField(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Minor units as a decimal string with `digits` fraction digits: 123456, 2 → "1234.56"; −5 → "-0.05". */
export function formatMinor(amount: number, digits = 2): string {
  if (digits === 0) return String(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = String(Math.abs(amount)).padStart(digits + 1, '0');
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/** ISO 4217 currencies without minor units (the ones a store is likely to use). */
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'CLP', 'ISK', 'VND', 'XOF', 'XAF', 'UGX', 'PYG']);

export const PAYOUT_CSV_HEADER = ['payout_id', 'seller_id', 'seller_name', 'currency', 'amount_minor', 'amount', 'entries_count', 'status'];

/** A run's payouts as CSV: a header row, then one CRLF-terminated row per payout. */
export function payoutsCsv(run: Pick<SettlementRun, 'payouts'>): string {
  const rows = [PAYOUT_CSV_HEADER, ...run.payouts.map((p) => [p.id, p.seller_id, p.seller_name, p.currency, p.amount, formatMinor(p.amount, ZERO_DECIMAL.has(p.currency) ? 0 : 2), p.entries_count, p.status])];
  return rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}
