import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommissionRules } from './commission.js';
import type { OrderFacts } from './seller-orders.ports.js';
import { splitOrder } from './seller-orders.split.js';

const rules: CommissionRules = { defaultRatePpm: 100_000, categoryRatesPpm: { cat_books: 150_000 }, sellerOverrides: {}, fixedFeePerOrder: 0, minimumFee: 0 };
let n = 0;
const opts = { rules, shippingPayee: 'platform' as const, categoryPaths: new Map([['prod_book', [['cat_media', 'cat_books']]]]), newId: () => `so_${++n}`, now: new Date('2026-11-28T12:00:00Z') };

function line(id: string, seller: string | null, total: number, tax = 0, product = 'prod_x') {
  return { id, product_id: product, sku: id.toUpperCase(), title: id, seller_id: seller, quantity: 1, tax, total, quantity_fulfilled: 0, quantity_refunded: 0 };
}
const order = (lines: OrderFacts['lines'], shipping: number): OrderFacts => ({ id: 'ord_1', status: 'paid', currency: 'USD', totals: { shipping_total: shipping }, lines });

describe('splitOrder', () => {
  it('makes one seller order per seller, none for the platform, with goods net of tax and the commission of its categories', () => {
    const parts = splitOrder(order([line('l1', 'sel_b', 3300, 300), line('l2', null, 1100, 100), line('l3', 'sel_a', 2200, 200, 'prod_book'), line('l4', 'sel_a', 1100, 100)], 500), opts);
    expect(parts.map((p) => p.order.seller_id)).toEqual(['sel_a', 'sel_b']);
    const [a, b] = parts;
    expect(a!.order).toMatchObject({ goods_amount: 3000, tax_amount: 300, status: 'paid', commission_amount: 300 + 100 });
    expect(a!.lines.map((l) => [l.order_line_id, l.amount, l.commission])).toEqual([['l3', 2000, 300], ['l4', 1000, 100]]);
    expect(a!.lines[0]!.category_paths).toEqual([['cat_media', 'cat_books']]);
    expect(b!.order).toMatchObject({ goods_amount: 3000, tax_amount: 300, commission_amount: 300 });
    // 500 over goods 3000 / 3000 / 1000 (platform): 214.28 / 214.28 / 71.43 → 214, 214, 72
    expect(parts.map((p) => p.order.shipping_amount)).toEqual([214, 214]);
  });

  it('gives an order without seller lines no seller order', () => {
    expect(splitOrder(order([line('l1', null, 1000)], 500), opts)).toEqual([]);
  });

  it("shares out the order's shipping exactly, never more than it", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ seller: fc.constantFrom('sel_a', 'sel_b', 'sel_c', null), total: fc.integer({ min: 0, max: 100_000 }) }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 5000 }), (ls, shipping) => {
        const lines = ls.map((l, i) => line(`l${i}`, l.seller, l.total));
        const parts = splitOrder(order(lines, shipping), opts);
        const sellerShipping = parts.reduce((sum, p) => sum + p.order.shipping_amount, 0);
        if (lines.every((l) => l.seller_id !== null)) expect(sellerShipping).toBe(shipping);
        else expect(sellerShipping).toBeLessThanOrEqual(shipping);
        for (const p of parts) expect(p.order.commission_amount).toBeLessThanOrEqual(p.order.goods_amount);
      }),
    );
  });
});
