/** Billing periods: UTC calendar months, written `YYYY-MM`. */

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The period `at` falls in. */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

export function isPeriod(value: string): boolean {
  return PERIOD.test(value);
}

/** The first instant of the period. */
export function periodStart(period: string): Date {
  return new Date(`${period}-01T00:00:00.000Z`);
}

/** The first instant after the period (the next month's start). */
export function periodEnd(period: string): Date {
  const start = periodStart(period);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/**
 * How long after a period's end it may be finalized: a call that began in the last instant of the
 * period commits its usage a moment later, and must still be on the invoice.
 */
export const FINALIZE_GRACE_MS = 5 * 60_000;

/** Whether the period is over, grace included, at `now`. */
export function isClosed(period: string, now: Date): boolean {
  return periodEnd(period).getTime() + FINALIZE_GRACE_MS <= now.getTime();
}

/** The oldest period still open at `now`: every period before it may be finalized. */
export function firstOpenPeriod(now: Date): string {
  return periodOf(new Date(now.getTime() - FINALIZE_GRACE_MS));
}
