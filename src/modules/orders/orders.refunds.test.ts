import { describe, expect, it } from 'vitest';
import type { OrderLineRow } from './orders.repo.js';
import { shippedUnitsRefunded, stillToShip } from './orders.refunds.js';

const line = (id: string, sku: string, quantity: number, counters: { refunded?: number; fulfilled?: number } = {}): OrderLineRow => ({
  id,
  order_id: 'ord_1',
  position: 0,
  variant_id: 'var_1',
  product_id: 'prod_1',
  sku,
  title: sku,
  seller_id: null,
  unit_amount: 1000,
  quantity,
  subtotal: 1000 * quantity,
  discount: 0,
  tax: 0,
  total: 1000 * quantity,
  quantity_refunded: counters.refunded ?? 0,
  quantity_fulfilled: counters.fulfilled ?? 0,
});

describe('stillToShip', () => {
  it('is each SKU’s units neither refunded nor shipped, summed over its lines', () => {
    const lines = [line('a', 'A', 4, { refunded: 1, fulfilled: 1 }), line('b', 'A', 2), line('c', 'B', 3, { fulfilled: 3 }), line('d', 'C', 2, { refunded: 2 })];
    expect(stillToShip({ status: 'partially_fulfilled' }, lines)).toEqual([{ sku: 'A', quantity: 4 }]);
  });

  it('is nothing once the order is canceled or refunded in full', () => {
    expect(stillToShip({ status: 'canceled' }, [line('a', 'A', 4)])).toEqual([]);
    expect(stillToShip({ status: 'refunded' }, [line('a', 'A', 4)])).toEqual([]);
  });
});

describe('shippedUnitsRefunded', () => {
  it('counts a refund against unshipped units first, then shipped ones', () => {
    // 4 ordered, 1 shipped, 2 just refunded (counted in quantity_refunded): both were unshipped
    expect(shippedUnitsRefunded([line('a', 'A', 4, { refunded: 2, fulfilled: 1 })], [{ line_id: 'a', quantity: 2 }])).toEqual([]);
    // then the last unshipped unit shipped, and 2 more refunded: both had shipped
    expect(shippedUnitsRefunded([line('a', 'A', 4, { refunded: 4, fulfilled: 2 })], [{ line_id: 'a', quantity: 2 }])).toEqual([{ sku: 'A', quantity: 2 }]);
    // 3 ordered, 2 shipped, all 3 refunded at once: 1 unshipped, 2 shipped
    expect(shippedUnitsRefunded([line('a', 'A', 3, { refunded: 3, fulfilled: 2 })], [{ line_id: 'a', quantity: 3 }])).toEqual([{ sku: 'A', quantity: 2 }]);
  });
});
