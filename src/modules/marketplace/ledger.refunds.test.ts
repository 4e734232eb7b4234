import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refundTargets, type RefundedLine } from './ledger.refunds.js';
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
        const sellerOrders = parts.map((amount, i) => ({ id: `so_${i}`, amount, lines: [] }));
        const [lo, hi] = [Math.min(p1, p2), Math.max(p1, p2)].map((p) => Math.floor((total * p) / 100)) as [number, number];
        const a = refundTargets({ total, amount_refunded: lo, lines: [] }, sellerOrders);
        const b = refundTargets({ total, amount_refunded: hi, lines: [] }, sellerOrders);
        let sum = 0;
        for (const so of sellerOrders) {
          expect(a.get(so.id)!).toBeLessThanOrEqual(b.get(so.id)!);
          expect(b.get(so.id)!).toBeLessThanOrEqual(so.amount);
          sum += b.get(so.id)!;
        }
        expect(sum).toBeLessThanOrEqual(hi);
        const full = refundTargets({ total, amount_refunded: total, lines: [] }, sellerOrders);
        for (const so of sellerOrders) expect(full.get(so.id)).toBe(so.amount);
      }),
    );
  });
});

describe('refundTargets with line refunds', () => {
  // seller orders of lines (amount without tax, tax on top, quantity), and the units refunded per line
  const line = fc.record({ amount: fc.integer({ min: 0, max: 100_000 }), tax: fc.integer({ min: 0, max: 20_000 }), quantity: fc.integer({ min: 1, max: 5 }) });
  const orderOfLines = fc.record({
    sellers: fc.array(fc.record({ lines: fc.array(line, { minLength: 1, maxLength: 3 }), shipping: fc.integer({ min: 0, max: 2000 }) }), { minLength: 1, maxLength: 3 }),
    platform: fc.integer({ min: 0, max: 5000 }),
    refundedUnits: fc.array(fc.nat(5), { maxLength: 9 }),
    extra: fc.integer({ min: 0, max: 100 }),
  });

  it('charges line refunds to their own seller, shares refunds by amount over what is left, and is exact at a full refund', () => {
    fc.assert(
      fc.property(orderOfLines, ({ sellers, platform, refundedUnits, extra }) => {
        const lines: RefundedLine[] = [];
        const sellerOrders = sellers.map((so, i) => {
          const own = so.lines.map((l, j) => {
            const id = `l${i}_${j}`;
            const quantity_refunded = Math.min(l.quantity, refundedUnits[lines.length] ?? 0);
            lines.push({ id, quantity: l.quantity, quantity_refunded, total: l.amount + l.tax });
            return { order_line_id: id, amount: l.amount };
          });
          return { id: `so_${i}`, amount: own.reduce((sum, l) => sum + l.amount, 0) + so.shipping, lines: own };
        });
        const total = lines.reduce((sum, l) => sum + l.total, 0) + sellers.reduce((sum, so) => sum + so.shipping, 0) + platform;
        const byLines = lines.reduce((sum, l) => sum + Math.floor((l.total * l.quantity_refunded) / l.quantity), 0);
        const refunded = Math.min(total, byLines + Math.floor(((total - byLines) * extra) / 100));
        const targets = refundTargets({ total, amount_refunded: refunded, lines }, sellerOrders);
        let sum = 0;
        for (const so of sellerOrders) {
          const got = targets.get(so.id)!;
          expect(got).toBeGreaterThanOrEqual(0);
          expect(got).toBeLessThanOrEqual(so.amount);
          sum += got;
          // never less than its own refunded lines are worth
          const own = so.lines.reduce((acc, l) => {
            const ol = lines.find((x) => x.id === l.order_line_id)!;
            return acc + Math.floor((l.amount * ol.quantity_refunded) / ol.quantity);
          }, 0);
          expect(got).toBeGreaterThanOrEqual(Math.min(so.amount, own));
          // with no refund by amount, a seller order bears only its own lines
          if (refunded === byLines) expect(got).toBe(Math.min(so.amount, own));
        }
        expect(sum).toBeLessThanOrEqual(refunded);
        const full = refundTargets({ total, amount_refunded: total, lines }, sellerOrders);
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
