import { describe, expect, it } from 'vitest';
import { firstOpenPeriod, isClosed, isPeriod, periodEnd, periodOf, periodStart } from './invoices.periods.js';

describe('billing periods (UTC months)', () => {
  it('names the month of an instant in UTC, whatever the local zone', () => {
    expect(periodOf(new Date('2026-03-31T23:59:59.999Z'))).toBe('2026-03');
    expect(periodOf(new Date('2026-04-01T00:00:00.000Z'))).toBe('2026-04');
  });

  it('bounds a month, December into the next year', () => {
    expect(periodStart('2026-12').toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(periodEnd('2026-12').toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodEnd('2028-02').toISOString()).toBe('2028-03-01T00:00:00.000Z');
  });

  it('closes a month five minutes after its end, for calls in flight at midnight', () => {
    expect(isClosed('2026-03', new Date('2026-04-01T00:04:59.999Z'))).toBe(false);
    expect(isClosed('2026-03', new Date('2026-04-01T00:05:00.000Z'))).toBe(true);
    expect(firstOpenPeriod(new Date('2026-04-01T00:04:00Z'))).toBe('2026-03');
    expect(firstOpenPeriod(new Date('2026-04-01T00:05:00Z'))).toBe('2026-04');
  });

  it('accepts only YYYY-MM with a real month', () => {
    expect(['2026-01', '2026-12'].every(isPeriod)).toBe(true);
    expect(['2026-13', '2026-00', '2026-1', '2026-01-01', ''].some(isPeriod)).toBe(false);
  });
});
