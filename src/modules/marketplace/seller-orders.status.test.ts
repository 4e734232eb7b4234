import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canTransition } from '../orders/orders.status.js';
import { parentStatus, sellerOrderStatus, type SellerOrderStatus } from './seller-orders.status.js';

const line = (quantity: number, quantity_fulfilled: number, quantity_refunded = 0) => ({ quantity, quantity_fulfilled, quantity_refunded });

describe('sellerOrderStatus', () => {
  it('follows the parent for pending, canceled and refunded', () => {
    for (const parent of ['pending', 'canceled', 'refunded'] as const) expect(sellerOrderStatus({ parent, lines: [line(1, 1)], shipments: [{ delivered: true }] })).toBe(parent);
  });

  it('is paid until one of its units ships, partially_fulfilled until all have, then fulfilled', () => {
    const parent = 'partially_fulfilled';
    expect(sellerOrderStatus({ parent, lines: [line(2, 0), line(1, 0)], shipments: [] })).toBe('paid');
    expect(sellerOrderStatus({ parent, lines: [line(2, 1), line(1, 0)], shipments: [{ delivered: true }] })).toBe('partially_fulfilled');
    expect(sellerOrderStatus({ parent, lines: [line(2, 2), line(1, 1)], shipments: [{ delivered: true }, { delivered: false }] })).toBe('fulfilled');
  });

  it('does not wait for refunded units, and completes once every one of its shipments is delivered', () => {
    expect(sellerOrderStatus({ parent: 'paid', lines: [line(3, 2, 1)], shipments: [{ delivered: false }] })).toBe('fulfilled');
    expect(sellerOrderStatus({ parent: 'fulfilled', lines: [line(3, 3)], shipments: [{ delivered: true }, { delivered: true }] })).toBe('completed');
  });
});

describe('parentStatus', () => {
  it('derives the order from its seller orders', () => {
    expect(parentStatus([])).toBeNull();
    expect(parentStatus(['paid', 'paid'])).toBe('paid');
    expect(parentStatus(['fulfilled', 'paid'])).toBe('partially_fulfilled');
    expect(parentStatus(['completed', 'paid'])).toBe('partially_fulfilled');
    expect(parentStatus(['completed', 'fulfilled'])).toBe('fulfilled');
    expect(parentStatus(['completed', 'completed'])).toBe('completed');
    expect(parentStatus(['refunded', 'refunded'])).toBe('refunded');
  });
});

/**
 * The orders module's own rule, step by step as OrdersService and ShipmentsService apply it: a
 * shipment of a paid or partially fulfilled order makes it `fulfilled` once every unrefunded unit
 * has shipped, else `partially_fulfilled`; the delivery of its last undelivered shipment completes
 * a fulfilled order. Every move is checked against the orders module's transition table.
 */
interface Model {
  status: SellerOrderStatus;
  lines: { seller: number; quantity: number; fulfilled: number }[];
  shipments: { seller: number; delivered: boolean }[];
}

type Step = { kind: 'ship'; pick: number[]; units: number[] } | { kind: 'deliver'; pick: number };

function apply(m: Model, step: Step): void {
  if (step.kind === 'deliver') {
    const s = m.shipments[step.pick % Math.max(1, m.shipments.length)];
    if (!s || s.delivered) return;
    s.delivered = true;
    if (m.shipments.every((x) => x.delivered) && m.status === 'fulfilled') m.status = 'completed';
    return;
  }
  if (m.status !== 'paid' && m.status !== 'partially_fulfilled') return;
  // one shipment is one seller's: the lines of the first picked line's seller
  const first = m.lines[step.pick[0]! % m.lines.length]!;
  const shipped = new Map<number, number>();
  step.pick.forEach((p, i) => {
    const index = p % m.lines.length;
    const l = m.lines[index]!;
    const left = l.quantity - l.fulfilled - (shipped.get(index) ?? 0);
    if (l.seller === first.seller && left > 0) shipped.set(index, (shipped.get(index) ?? 0) + Math.min(left, 1 + (step.units[i] ?? 0)));
  });
  if (!shipped.size) return;
  for (const [index, q] of shipped) m.lines[index]!.fulfilled += q;
  m.shipments.push({ seller: first.seller, delivered: false });
  const to = m.lines.every((l) => l.fulfilled >= l.quantity) ? 'fulfilled' : 'partially_fulfilled';
  if (to !== m.status) {
    expect(canTransition(m.status, to)).toBe(true);
    m.status = to;
  }
}

function children(m: Model): SellerOrderStatus[] {
  const sellers = [...new Set(m.lines.map((l) => l.seller))];
  return sellers.map((seller) =>
    sellerOrderStatus({
      parent: m.status,
      lines: m.lines.filter((l) => l.seller === seller).map((l) => line(l.quantity, l.fulfilled)),
      shipments: m.shipments.filter((s) => s.seller === seller),
    }),
  );
}

describe('parentStatus(children) = the status the orders module computes', () => {
  it('holds after every shipment and delivery of an order made only of seller lines', () => {
    const lines = fc.array(fc.record({ seller: fc.integer({ min: 0, max: 3 }), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 6 });
    const step = fc.oneof(
      fc.record({ kind: fc.constant('ship' as const), pick: fc.array(fc.nat(20), { minLength: 1, maxLength: 4 }), units: fc.array(fc.nat(3), { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(20) }),
    );
    fc.assert(
      fc.property(lines, fc.array(step, { maxLength: 30 }), fc.boolean(), (ls, steps, captured) => {
        const m: Model = { status: captured ? 'paid' : 'pending', lines: ls.map((l) => ({ ...l, fulfilled: 0 })), shipments: [] };
        expect(parentStatus(children(m))).toBe(m.status);
        if (m.status === 'pending') {
          m.status = 'paid';
          expect(parentStatus(children(m))).toBe('paid');
        }
        for (const s of steps) {
          apply(m, s);
          expect(parentStatus(children(m))).toBe(m.status);
        }
        // and when the order is canceled or refunded, so is every seller order
        for (const end of ['refunded'] as const) expect(parentStatus(children({ ...m, status: end }))).toBe(end);
      }),
      { numRuns: 500 },
    );
  });
});
