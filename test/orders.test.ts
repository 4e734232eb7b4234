import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
let store: Store;
let country: string;
beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
  country = freshCountry();
  store = await createStore(t, { country, prices: [2500], stock: 100 });
});
afterAll(() => t.close());

/** A refund of an order; the client gives every POST a fresh Idempotency-Key, as money moves require. */
const refund = (id: string, body: { amount?: number; lines?: { line_id: string; quantity: number }[] }) => admin.POST('/v1/orders/{id}/refunds', { params: { path: { id } }, body });
const cancel = (id: string) => admin.POST('/v1/orders/{id}/cancel', { params: { path: { id } } });
const order = async (id: string) => ok(await admin.GET('/v1/orders/{id}', { params: { path: { id } } }));
const payment = async (id: string | null) => ok(await admin.GET('/v1/payments/{id}', { params: { path: { id: id! } } }));
const promotion = async (id: string) => ok(await admin.GET('/v1/promotions/{id}', { params: { path: { id } } }));

async function placeOrder(s = store, c = country, quantity = 2, email = 'ada@example.com') {
  return ok(await checkout(shop, await readyCart(t, s, { country: c, quantity, email })), 201);
}

async function stock(sku: string) {
  const { on_hand, reserved, available } = ok(await admin.GET('/v1/inventory_items/{sku}', { params: { path: { sku } } }));
  return { on_hand, reserved, available };
}

describe('orders', () => {
  it('lists orders with filters and cursor pagination', async () => {
    const a = await placeOrder(store, country, 1, 'list-a@example.com');
    const b = await placeOrder(store, country, 1, 'List-B@example.com');
    const byEmail = ok(await admin.GET('/v1/orders', { params: { query: { email: 'list-b@EXAMPLE.com' } } }));
    expect(byEmail.data.map((o) => o.id)).toEqual([b.id]);
    const page1 = ok(await admin.GET('/v1/orders', { params: { query: { limit: 1, 'created[gte]': a.created_at } } }));
    expect(page1).toMatchObject({ has_more: true, data: [{ id: a.id }] });
    const page2 = ok(await admin.GET('/v1/orders', { params: { query: { limit: 1, 'created[gte]': a.created_at, starting_after: page1.next_cursor! } } }));
    expect(page2.data[0]!.id).toBe(b.id);
    expect(ok(await admin.GET('/v1/orders', { params: { query: { status: 'paid' } } })).data.length).toBeGreaterThanOrEqual(2);
    // invalid on purpose: a status the types do not allow
    expect((await t.call('GET', '/v1/orders?status=nope')).statusCode).toBe(422);
    problem(await shop.GET('/v1/orders'), 403);
  });

  it('refunds in part and repeatedly, never beyond what was captured', async () => {
    const placed = await placeOrder();
    const total = placed.totals.total;
    const first = ok(await refund(placed.id, { amount: 1000 }), 201);
    expect(first).toMatchObject({ refund: { object: 'refund', amount: 1000 }, order: { amount_refunded: 1000, status: 'paid' } });
    const byLine = ok(await refund(placed.id, { lines: [{ line_id: placed.lines[0]!.id, quantity: 1 }] }));
    const half = Math.floor(placed.lines[0]!.total / 2);
    expect(byLine.order).toMatchObject({ amount_refunded: 1000 + half, lines: [{ quantity_refunded: 1 }] });
    const over = problem(await refund(placed.id, { amount: total }), 422);
    expect(over).toMatchObject({ code: 'refund_exceeds_captured', errors: [{ pointer: '/amount' }] });
    const rest = ok(await refund(placed.id, {}));
    expect(rest.order).toMatchObject({ amount_refunded: total, status: 'refunded' });
    expect(await payment(placed.payment_id)).toMatchObject({ amount_captured: total, amount_refunded: total });
    problem(await refund(placed.id, { amount: 1 }), 409);
  });

  it('never over-refunds under concurrent refunds', async () => {
    const placed = await placeOrder();
    const total = placed.totals.total;
    const each = Math.ceil(total / 4);
    const results = await Promise.all(Array.from({ length: 8 }, () => refund(placed.id, { amount: each })));
    const succeeded = results.filter((r) => r.response.status === 201).length;
    expect(succeeded).toBe(Math.floor(total / each));
    const final = await order(placed.id);
    expect(final.amount_refunded).toBe(succeeded * each);
    expect(final.amount_refunded).toBeLessThanOrEqual(total);
    expect((await payment(placed.payment_id)).amount_refunded).toBe(succeeded * each);
  });

  it('cancels a paid order: refunds it in full and gives its stock allocation back', async () => {
    const before = await stock(store.skus[0]!);
    const placed = await placeOrder();
    expect(await stock(store.skus[0]!)).toEqual({ ...before, reserved: before.reserved + 2, available: before.available - 2 });
    const canceled = ok(await cancel(placed.id), 200);
    expect(canceled).toMatchObject({ status: 'canceled', amount_refunded: placed.totals.total });
    expect(canceled.canceled_at).toEqual(expect.any(String));
    expect(await stock(store.skus[0]!)).toEqual(before);
    expect(problem(await cancel(placed.id), 409).code).toBe('order_illegal_transition');
  });

  it('captures manually where the region says so, and voids on cancel', async () => {
    const c = freshCountry();
    const manual = await createStore(t, { country: c, capture: 'manual' });
    const placed = await placeOrder(manual, c, 1);
    expect(placed.status).toBe('pending');
    expect((await payment(placed.payment_id)).status).toBe('requires_capture');
    expect((await refund(placed.id, { amount: 1 })).error?.code).toBe('order_not_paid');
    const captured = ok(await admin.POST('/v1/orders/{id}/capture', { params: { path: { id: placed.id } } }), 200);
    expect(captured.status).toBe('paid');
    expect((await payment(placed.payment_id)).status).toBe('succeeded');

    const other = await placeOrder(manual, c, 1);
    expect(ok(await cancel(other.id))).toMatchObject({ status: 'canceled', amount_refunded: 0 });
    expect((await payment(other.payment_id)).status).toBe('canceled');
  });

  it('requires an Idempotency-Key to move money', async () => {
    const placed = await placeOrder();
    const keyless = api(t, undefined, { autoIdempotency: false });
    const res = await keyless.POST('/v1/orders/{id}/refunds', { params: { path: { id: placed.id } }, body: { amount: 1 } });
    expect(problem(res, 400).code).toBe('idempotency_key_required');
  });

  it('refuses a refund naming a line twice beyond its units, and moves no money', async () => {
    const placed = await placeOrder(store, country, 3);
    const line = placed.lines[0]!;
    const twice = await refund(placed.id, { lines: [{ line_id: line.id, quantity: 2 }, { line_id: line.id, quantity: 2 }] });
    expect(problem(twice, 422).code).toBe('invalid_refund');
    expect((await payment(placed.payment_id)).amount_refunded).toBe(0);
    const all = ok(await refund(placed.id, { lines: [{ line_id: line.id, quantity: 1 }, { line_id: line.id, quantity: 2 }] }), 201);
    expect(all.order.lines[0]!.quantity_refunded).toBe(3);
  });

  it('gives the order its refund room back when the processor cannot refund', async () => {
    const placed = await placeOrder();
    const control = (down: boolean) =>
      fetch(`${t.emulators.simpay.url}/_control/outage`, { method: 'POST', headers: { authorization: `Bearer ${t.emulators.simpay.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ down }) });
    await control(true);
    try {
      const res = await refund(placed.id, { amount: 500 });
      expect(res.response.status).toBeGreaterThanOrEqual(500);
      expect(await order(placed.id)).toMatchObject({ amount_refunded: 0, status: 'paid' });
    } finally {
      await control(false);
    }
    const res = ok(await refund(placed.id, { amount: 500 }));
    expect(res).toMatchObject({ refund: { status: 'succeeded', amount: 500 }, order: { amount_refunded: 500 } });
  });

  it('gives a canceled order\'s code uses back to the promotion', async () => {
    const code = `BACK${Date.now().toString(36).toUpperCase()}`;
    const promo = ok(await admin.POST('/v1/promotions', { body: { name: 'Back', code, usage_limit: 1, actions: [{ type: 'amount_off', amount: 100 }] } }));
    const placed = ok(await checkout(shop, await readyCart(t, store, { country, codes: [code] })), 201);
    expect((await promotion(promo.id)).times_redeemed).toBe(1);
    ok(await cancel(placed.id), 200);
    expect((await promotion(promo.id)).times_redeemed).toBe(0);
    ok(await checkout(shop, await readyCart(t, store, { country, codes: [code] })), 201);
  });
});
