import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { checkout, createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';

let t: TestApp;
let store: Store;
let country: string;
beforeAll(async () => {
  t = await startTestApp();
  country = freshCountry();
  store = await createStore(t, { country, prices: [2500], stock: 100 });
});
afterAll(() => t.close());

const money = (method: string, url: string, body?: unknown) => t.call(method, url, { body, headers: { 'idempotency-key': crypto.randomUUID() } });

async function placeOrder(s = store, c = country, quantity = 2, email = 'ada@example.com') {
  const res = await checkout(t, await readyCart(t, s, { country: c, quantity, email }));
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function stock(sku: string) {
  const { on_hand, reserved, available } = (await t.call('GET', `/v1/inventory_items/${sku}`)).json<{ on_hand: number; reserved: number; available: number }>();
  return { on_hand, reserved, available };
}

describe('orders', () => {
  it('lists orders with filters and cursor pagination', async () => {
    const a = await placeOrder(store, country, 1, 'list-a@example.com');
    const b = await placeOrder(store, country, 1, 'List-B@example.com');
    const byEmail = (await t.call('GET', '/v1/orders?email=list-b@EXAMPLE.com')).json();
    expect(byEmail.data.map((o: { id: string }) => o.id)).toEqual([b.id]);
    const page1 = (await t.call('GET', `/v1/orders?limit=1&created[gte]=${encodeURIComponent(a.created_at)}`)).json();
    expect(page1).toMatchObject({ has_more: true, data: [{ id: a.id }] });
    const page2 = (await t.call('GET', `/v1/orders?limit=1&created[gte]=${encodeURIComponent(a.created_at)}&starting_after=${page1.next_cursor}`)).json();
    expect(page2.data[0].id).toBe(b.id);
    expect((await t.call('GET', '/v1/orders?status=paid')).json().data.length).toBeGreaterThanOrEqual(2);
    expect((await t.call('GET', '/v1/orders?status=nope')).statusCode).toBe(422);
    expect((await t.call('GET', '/v1/orders', { key: t.keys.publishable })).statusCode).toBe(403);
  });

  it('refunds in part and repeatedly, never beyond what was captured', async () => {
    const order = await placeOrder();
    const total = order.totals.total as number;
    let res = await money('POST', `/v1/orders/${order.id}/refunds`, { amount: 1000 });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ refund: { object: 'refund', amount: 1000 }, order: { amount_refunded: 1000, status: 'paid' } });
    res = await money('POST', `/v1/orders/${order.id}/refunds`, { lines: [{ line_id: order.lines[0].id, quantity: 1 }] });
    const half = Math.floor(order.lines[0].total / 2);
    expect(res.json().order).toMatchObject({ amount_refunded: 1000 + half, lines: [{ quantity_refunded: 1 }] });
    const over = await money('POST', `/v1/orders/${order.id}/refunds`, { amount: total });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ code: 'refund_exceeds_captured', errors: [{ pointer: '/amount' }] });
    res = await money('POST', `/v1/orders/${order.id}/refunds`, {});
    expect(res.json().order).toMatchObject({ amount_refunded: total, status: 'refunded' });
    const payment = (await t.call('GET', `/v1/payments/${order.payment_id}`)).json();
    expect(payment).toMatchObject({ amount_captured: total, amount_refunded: total });
    expect((await money('POST', `/v1/orders/${order.id}/refunds`, { amount: 1 })).statusCode).toBe(409);
  });

  it('never over-refunds under concurrent refunds', async () => {
    const order = await placeOrder();
    const total = order.totals.total as number;
    const each = Math.ceil(total / 4);
    const results = await Promise.all(Array.from({ length: 8 }, () => money('POST', `/v1/orders/${order.id}/refunds`, { amount: each })));
    const ok = results.filter((r) => r.statusCode === 201).length;
    expect(ok).toBe(Math.floor(total / each));
    const final = (await t.call('GET', `/v1/orders/${order.id}`)).json();
    expect(final.amount_refunded).toBe(ok * each);
    expect(final.amount_refunded).toBeLessThanOrEqual(total);
    expect((await t.call('GET', `/v1/payments/${order.payment_id}`)).json().amount_refunded).toBe(ok * each);
  });

  it('cancels a paid order: refunds it in full and gives its stock allocation back', async () => {
    const before = await stock(store.skus[0]!);
    const order = await placeOrder();
    expect(await stock(store.skus[0]!)).toEqual({ ...before, reserved: before.reserved + 2, available: before.available - 2 });
    const res = await money('POST', `/v1/orders/${order.id}/cancel`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'canceled', amount_refunded: order.totals.total });
    expect(res.json().canceled_at).toEqual(expect.any(String));
    expect(await stock(store.skus[0]!)).toEqual(before);
    const again = await money('POST', `/v1/orders/${order.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('order_illegal_transition');
  });

  it('captures manually where the region says so, and voids on cancel', async () => {
    const c = freshCountry();
    const manual = await createStore(t, { country: c, capture: 'manual' });
    const order = await placeOrder(manual, c, 1);
    expect(order.status).toBe('pending');
    expect((await t.call('GET', `/v1/payments/${order.payment_id}`)).json().status).toBe('requires_capture');
    expect((await money('POST', `/v1/orders/${order.id}/refunds`, { amount: 1 })).json().code).toBe('order_not_paid');
    const captured = await money('POST', `/v1/orders/${order.id}/capture`);
    expect(captured.statusCode, captured.body).toBe(200);
    expect(captured.json().status).toBe('paid');
    expect((await t.call('GET', `/v1/payments/${order.payment_id}`)).json().status).toBe('succeeded');

    const other = await placeOrder(manual, c, 1);
    const canceled = await money('POST', `/v1/orders/${other.id}/cancel`);
    expect(canceled.json()).toMatchObject({ status: 'canceled', amount_refunded: 0 });
    expect((await t.call('GET', `/v1/payments/${other.payment_id}`)).json().status).toBe('canceled');
  });

  it('requires an Idempotency-Key to move money', async () => {
    const order = await placeOrder();
    const res = await t.call('POST', `/v1/orders/${order.id}/refunds`, { body: { amount: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('idempotency_key_required');
  });

  it('refuses a refund naming a line twice beyond its units, and moves no money', async () => {
    const order = await placeOrder(store, country, 3);
    const line = order.lines[0];
    const res = await money('POST', `/v1/orders/${order.id}/refunds`, { lines: [{ line_id: line.id, quantity: 2 }, { line_id: line.id, quantity: 2 }] });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('invalid_refund');
    expect((await t.call('GET', `/v1/payments/${order.payment_id}`)).json().amount_refunded).toBe(0);
    const ok = await money('POST', `/v1/orders/${order.id}/refunds`, { lines: [{ line_id: line.id, quantity: 1 }, { line_id: line.id, quantity: 2 }] });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().order.lines[0].quantity_refunded).toBe(3);
  });

  it('gives the order its refund room back when the processor cannot refund', async () => {
    const order = await placeOrder();
    const control = (down: boolean) =>
      fetch(`${t.emulators.simpay.url}/_control/outage`, { method: 'POST', headers: { authorization: `Bearer ${t.emulators.simpay.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ down }) });
    await control(true);
    try {
      const res = await money('POST', `/v1/orders/${order.id}/refunds`, { amount: 500 });
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
      expect((await t.call('GET', `/v1/orders/${order.id}`)).json()).toMatchObject({ amount_refunded: 0, status: 'paid' });
    } finally {
      await control(false);
    }
    const res = await money('POST', `/v1/orders/${order.id}/refunds`, { amount: 500 });
    expect(res.json()).toMatchObject({ refund: { status: 'succeeded', amount: 500 }, order: { amount_refunded: 500 } });
  });

  it('gives a canceled order\'s code uses back to the promotion', async () => {
    const code = `BACK${Date.now().toString(36).toUpperCase()}`;
    const promo = (await t.call('POST', '/v1/promotions', { body: { name: 'Back', code, usage_limit: 1, actions: [{ type: 'amount_off', amount: 100 }] } })).json();
    const res = await checkout(t, await readyCart(t, store, { country, codes: [code] }));
    expect(res.statusCode, res.body).toBe(201);
    expect((await t.call('GET', `/v1/promotions/${promo.id}`)).json().times_redeemed).toBe(1);
    expect((await money('POST', `/v1/orders/${res.json().id}/cancel`)).statusCode).toBe(200);
    expect((await t.call('GET', `/v1/promotions/${promo.id}`)).json().times_redeemed).toBe(0);
    expect((await checkout(t, await readyCart(t, store, { country, codes: [code] }))).statusCode).toBe(201);
  });
});
