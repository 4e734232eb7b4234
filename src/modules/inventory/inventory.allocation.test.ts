import { describe, expect, it } from 'vitest';
import { allocate, mergeLines, type LevelSnapshot } from './inventory.allocation.js';
import { planRelease, planRestock, planShipment } from './reservations.rules.js';
import type { LineRow } from './reservations.repo.js';

const level = (sku: string, location_id: string, on_hand: number, reserved = 0): LevelSnapshot => ({ sku, location_id, on_hand, reserved });

describe('mergeLines', () => {
  it('adds up repeated SKUs and sorts by SKU (the lock order)', () => {
    expect(mergeLines([{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }])).toEqual([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 4 },
    ]);
  });
});

describe('allocate', () => {
  it('takes from the location with the most available first, splitting when needed', () => {
    const r = allocate([{ sku: 'A', quantity: 5 }], [level('A', 'l1', 3), level('A', 'l2', 6, 2), level('A', 'l3', 10, 10)]);
    expect(r).toEqual({ ok: true, allocations: [{ sku: 'A', location_id: 'l2', quantity: 4 }, { sku: 'A', location_id: 'l1', quantity: 1 }] });
  });

  it('breaks ties by location id, so the result is deterministic', () => {
    const r = allocate([{ sku: 'A', quantity: 1 }], [level('A', 'l2', 2), level('A', 'l1', 2)]);
    expect(r).toEqual({ ok: true, allocations: [{ sku: 'A', location_id: 'l1', quantity: 1 }] });
  });

  it('lists every short SKU and allocates nothing when any falls short', () => {
    const r = allocate(
      [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 3 },
        { sku: 'C', quantity: 1 },
      ],
      [level('A', 'l1', 5), level('B', 'l1', 1), level('B', 'l2', 2, 2)],
    );
    expect(r).toEqual({
      ok: false,
      shortages: [
        { sku: 'B', requested: 3, available: 1 },
        { sku: 'C', requested: 1, available: 0 },
      ],
    });
  });

  it('never allocates more than on_hand − reserved, whatever the split (exhaustive over small cases)', () => {
    for (let a = 0; a <= 4; a++) {
      for (let b = 0; b <= 4; b++) {
        for (let q = 1; q <= 9; q++) {
          const levels = [level('S', 'x', a + 1, 1), level('S', 'y', b)];
          const r = allocate([{ sku: 'S', quantity: q }], levels);
          if (q > a + b) {
            expect(r.ok).toBe(false);
            continue;
          }
          if (!r.ok) throw new Error('expected an allocation');
          expect(r.allocations.reduce((n, x) => n + x.quantity, 0)).toBe(q);
          for (const x of r.allocations) {
            const l = levels.find((v) => v.location_id === x.location_id)!;
            expect(x.quantity).toBeGreaterThan(0);
            expect(x.quantity).toBeLessThanOrEqual(l.on_hand - l.reserved);
          }
        }
      }
    }
  });
});

const line = (position: number, sku: string, location_id: string | null, quantity: number, counters: Partial<Pick<LineRow, 'shipped' | 'released' | 'restocked'>> = {}): LineRow => ({
  reservation_id: 'res_1',
  position,
  sku,
  location_id,
  quantity,
  shipped: 0,
  released: 0,
  restocked: 0,
  ...counters,
});
const row = { id: 'res_1', stock_at_shipment: true };

describe('planRestock', () => {
  const lines = [line(1, 'A', 'l1', 3, { shipped: 3 }), line(2, 'A', 'l2', 2, { shipped: 2, restocked: 1 }), line(3, 'U', null, 4), line(4, 'B', 'l1', 5, { shipped: 1, released: 2 })];

  it('restocks every shipped unit not yet restocked, skipping untracked lines and unshipped units', () => {
    expect([...planRestock(row, lines, undefined).byPosition]).toEqual([
      [1, 3],
      [2, 1],
      [4, 1],
    ]);
  });

  it('restocks part of a SKU across its lines in order, and ignores untracked SKUs', () => {
    const plan = planRestock(row, lines, [
      { sku: 'A', quantity: 2 },
      { sku: 'U', quantity: 1 },
    ]);
    expect([...plan.byPosition]).toEqual([[1, 2]]);
  });

  it('refuses more than was shipped and not yet restocked', () => {
    expect(() => planRestock(row, lines, [{ sku: 'A', quantity: 5 }])).toThrow(/4 shipped and not yet restocked/);
    expect(() => planRestock(row, lines, [{ sku: 'B', quantity: 2 }])).toThrow(/1 shipped/);
    expect(() => planRestock(row, lines, [{ sku: 'Z', quantity: 1 }])).toThrow(/0 shipped/);
  });

  it('under the old rule (units left at commit), restocks every unit not yet restocked', () => {
    expect([...planRestock({ stock_at_shipment: false }, [line(1, 'A', 'l1', 3, { restocked: 1 })], undefined).byPosition]).toEqual([[1, 2]]);
  });
});

describe('planShipment', () => {
  const lines = [line(1, 'A', 'l1', 3, { shipped: 1 }), line(2, 'A', 'l2', 2), line(3, 'U', null, 4), line(4, 'B', 'l1', 2, { released: 1 })];

  it('takes the units allocated at the location, skipping untracked SKUs', () => {
    const plan = planShipment(row, lines, 'l1', [
      { sku: 'A', quantity: 1 },
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 1 },
      { sku: 'U', quantity: 4 },
    ]);
    expect([...plan.byPosition]).toEqual([
      [1, 2],
      [4, 1],
    ]);
  });

  it('refuses units allocated at another location (409 location_mismatch), naming where they are', () => {
    expect(() => planShipment(row, lines, 'l1', [{ sku: 'A', quantity: 3 }])).toThrow(expect.objectContaining({ code: 'location_mismatch', status: 409 }));
    expect(() => planShipment(row, lines, 'l3', [{ sku: 'B', quantity: 1 }])).toThrow(/allocated at l1/);
  });

  it('refuses more than the allocation holds unshipped (409 shipment_exceeds_allocation)', () => {
    expect(() => planShipment(row, lines, 'l1', [{ sku: 'A', quantity: 5 }])).toThrow(expect.objectContaining({ code: 'shipment_exceeds_allocation', status: 409 }));
    expect(() => planShipment(row, lines, 'l1', [{ sku: 'B', quantity: 2 }])).toThrow(/1 allocated and not yet shipped/);
    expect(() => planShipment(row, lines, 'l1', [{ sku: 'Z', quantity: 1 }])).toThrow(/0 allocated/);
  });
});

describe('planRelease', () => {
  const lines = [line(1, 'A', 'l1', 3, { shipped: 1 }), line(2, 'A', 'l2', 2), line(3, 'U', null, 4), line(4, 'B', 'l1', 2)];

  it('gives back everything allocated and unshipped beyond what is kept, last lines first', () => {
    expect([...planRelease(row, lines, []).byPosition]).toEqual([
      [2, 2],
      [1, 2],
      [4, 2],
    ]);
    expect([...planRelease(row, lines, [{ sku: 'A', quantity: 3 }]).byPosition]).toEqual([
      [2, 1],
      [4, 2],
    ]);
  });

  it('gives back nothing when the order still needs every allocated unit, nor under the old rule', () => {
    expect(planRelease(row, lines, [{ sku: 'A', quantity: 9 }, { sku: 'B', quantity: 2 }]).lines).toEqual([]);
    expect(planRelease({ stock_at_shipment: false }, lines, []).lines).toEqual([]);
  });
});
