import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refundTargets } from './ledger.service.js';
import { csvField, formatMinor } from './settlements.csv.js';
import { cutoffOf } from './settlements.service.js';

const order = fc
  .record({ parts: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 5 }), rest: fc.integer({ min: 0, max: 1_000_000 }) })
  .filter((o) => o.parts.reduce((a, b) => a + b, 0) + o.rest > 0);

describe('refundTargets', () => {
  it('only grows with the refunded amount, never passes a seller order, sums to at most the refund, and is exact at a full refund', () => {
    fc.assert(
      fc.property(order, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), ({ parts, rest }, p1, p2) => {
        const total = parts.reduce((a, b) => a + b, 0) + rest;
        const sellerOrders = parts.map((amount, i) => ({ id: `so_${i}`, amount }));
        const [lo, hi] = [Math.min(p1, p2), Math.max(p1, p2)].map((p) => Math.floor((total * p) / 100)) as [number, number];
        const a = refundTargets(total, lo, sellerOrders);
        const b = refundTargets(total, hi, sellerOrders);
        let sum = 0;
        for (const so of sellerOrders) {
          expect(a.get(so.id)!).toBeLessThanOrEqual(b.get(so.id)!);
          expect(b.get(so.id)!).toBeLessThanOrEqual(so.amount);
          sum += b.get(so.id)!;
        }
        expect(sum).toBeLessThanOrEqual(hi);
        const full = refundTargets(total, total, sellerOrders);
        for (const so of sellerOrders) expect(full.get(so.id)).toBe(so.amount);
      }),
    );
  });
});

describe('settlement helpers', () => {
  it('cuts off at the end of the period minus the hold, never later than now minus the hold', () => {
    const now = new Date('2026-11-28T10:00:00Z');
    expect(cutoffOf('2026-11-28', now, 7).toISOString()).toBe('2026-11-21T10:00:00.000Z');
    expect(cutoffOf('2026-11-20', now, 7).toISOString()).toBe('2026-11-14T00:00:00.000Z');
    expect(cutoffOf('2026-11-28', now, 0).toISOString()).toBe(now.toISOString());
  });

  it('escapes CSV fields and formats minor units', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(formatMinor(123_456)).toBe('1234.56');
    expect(formatMinor(5)).toBe('0.05');
    expect(formatMinor(-5)).toBe('-0.05');
    expect(formatMinor(1200, 0)).toBe('1200');
  });
});
