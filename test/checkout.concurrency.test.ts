import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { authorizations, checkout, createStore, freshCountry, readyCart } from './helpers/commerce.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_DB_POOL_SIZE: '10' } });
});
afterAll(() => t.close());

async function carts(n: number, make: () => Promise<string>): Promise<string[]> {
  const ids: string[] = [];
  // a few at a time: building 100 carts is setup, not the race under test
  for (let i = 0; i < n; i += 10) ids.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, make))));
  return ids;
}

describe('checkout under concurrency', () => {
  it('never oversells: 100 concurrent checkouts of a SKU with 7 units give exactly 7 orders', async () => {
    const country = freshCountry();
    const store = await createStore(t, { country, stock: 7 });
    const ids = await carts(100, () => readyCart(t, store, { country }));
    const authsBefore = (await authorizations(t)).length;

    const results = await Promise.all(ids.map((id) => checkout(t, id)));
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.statusCode, (byStatus.get(r.statusCode) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 201: 7, 409: 93 });
    for (const r of results.filter((x) => x.statusCode === 409)) {
      expect(r.json()).toMatchObject({ code: 'out_of_stock', status: 409 });
      expect(r.json().detail).toContain(store.skus[0]);
    }
    // the 7 orders hold the 7 units as their allocation: still on hand until shipped, none available
    const level = (await t.call('GET', `/v1/inventory_items/${store.skus[0]}`)).json();
    expect(level).toMatchObject({ on_hand: 7, reserved: 7, available: 0 });
    // only the 7 winners were ever charged; losers failed before authorising
    expect((await authorizations(t)).length - authsBefore).toBe(7);
    const open = await Promise.all(ids.map(async (id) => (await t.call('GET', `/v1/carts/${id}`)).json().status));
    expect(open.filter((s) => s === 'completed')).toHaveLength(7);
    expect(open.filter((s) => s === 'open')).toHaveLength(93);
  });

  it('redeems a code limited to 10 uses exactly 10 times across 50 concurrent checkouts', async () => {
    const country = freshCountry();
    const store = await createStore(t, { country, stock: 500 });
    const code = `TEN${country}`;
    const promo = await t.call('POST', '/v1/promotions', { body: { name: 'Ten only', code, usage_limit: 10, actions: [{ type: 'percent_off', percent: 10 }] } });
    expect(promo.statusCode, promo.body).toBe(201);
    let n = 0;
    const ids = await carts(50, () => readyCart(t, store, { country, email: `shopper${n++}@example.com`, codes: [code] }));
    const authsBefore = await authorizations(t);

    const results = await Promise.all(ids.map((id) => checkout(t, id)));
    const won = results.filter((r) => r.statusCode === 201);
    expect(won).toHaveLength(10);
    for (const r of results.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(r.json().code).toBe('promotion_unavailable');
    }
    for (const r of won) expect(r.json().promotions).toEqual([expect.objectContaining({ code, amount: 250 })]);
    expect((await t.call('GET', `/v1/promotions/${promo.json().id}`)).json().times_redeemed).toBe(10);
    // losers that had paid were refunded in full: only the 10 winners hold money
    const after = (await authorizations(t)).filter((a) => !authsBefore.some((b) => b.id === a.id));
    const holding = after.filter((a) => a.status === 'authorized' || (a.status === 'captured' && a.amount_captured > a.amount_refunded));
    expect(holding).toHaveLength(10);
    expect(holding.map((a) => a.amount).sort()).toEqual(won.map((r) => r.json().totals.total).sort());
    const level = (await t.call('GET', `/v1/inventory_items/${store.skus[0]}`)).json();
    expect(level).toMatchObject({ on_hand: 500, reserved: 10, available: 490 });
  });
});
