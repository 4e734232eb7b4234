import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { authorizations, checkout, createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';

let t: TestApp;
let store: Store;
let country: string;
beforeAll(async () => {
  t = await startTestApp();
  country = freshCountry();
  store = await createStore(t, { country, prices: [2500, 900], stock: 1000 });
});
afterAll(() => t.close());

async function availability(sku: string) {
  const res = await t.call('GET', `/v1/inventory_items/${sku}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ on_hand: number; reserved: number; available: number }>();
}

async function cartStatus(id: string) {
  return (await t.call('GET', `/v1/carts/${id}`)).json<{ status: string; order_id: string | null }>();
}

describe('checkout', () => {
  it('turns a ready cart into a paid order, allocates its stock (on hand until shipped) and completes the cart', async () => {
    const before = await availability(store.skus[0]!);
    const cartId = await readyCart(t, store, { country, quantity: 2 });
    const cart = (await t.call('GET', `/v1/carts/${cartId}`)).json();
    const res = await checkout(t, cartId);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('private, no-store');
    const order = res.json();
    expect(order).toMatchObject({ object: 'order', status: 'paid', cart_id: cartId, currency: 'USD', email: 'ada@example.com', totals: cart.totals });
    expect(order.id).toMatch(/^ord_/);
    expect(order.lines).toEqual([expect.objectContaining({ sku: store.skus[0], quantity: 2, unit_amount: 2500, total: cart.items[0].total })]);
    expect(await cartStatus(cartId)).toMatchObject({ status: 'completed', order_id: order.id });
    const after = await availability(store.skus[0]!);
    expect(after).toMatchObject({ on_hand: before.on_hand, reserved: before.reserved + 2, available: before.available - 2 });

    const payment = (await t.call('GET', `/v1/payments/${order.payment_id}`)).json();
    expect(payment).toMatchObject({ status: 'succeeded', amount: order.totals.total, amount_captured: order.totals.total });
    expect(payment.attempts).toEqual([expect.objectContaining({ processor: 'simpay', outcome: 'authorized' })]);
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json()).toEqual({ ...order, updated_at: expect.any(String) });
  });

  it('requires an Idempotency-Key and replays the same order for the same key', async () => {
    const cartId = await readyCart(t, store, { country });
    const missing = await t.call('POST', `/v1/carts/${cartId}/checkout`, { key: t.keys.publishable, body: { payment: { token: 'tok_visa' } } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('idempotency_key_required');

    const first = await checkout(t, cartId, 'tok_visa', { idempotencyKey: `key-${cartId}` });
    const replay = await checkout(t, cartId, 'tok_visa', { idempotencyKey: `key-${cartId}` });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(first.json().id);

    const other = await checkout(t, cartId);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('cart_already_completed');
  });

  it('gives one order and one charge for a concurrent double submit with different keys', async () => {
    const cartId = await readyCart(t, store, { country });
    const before = (await authorizations(t)).length;
    const results = await Promise.all([checkout(t, cartId), checkout(t, cartId), checkout(t, cartId)]);
    const created = results.filter((r) => r.statusCode === 201);
    expect(created).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(['checkout_in_progress', 'cart_already_completed']).toContain(r.json().code);
    }
    const orders = (await t.call('GET', `/v1/orders?email=ada@example.com&limit=100`)).json().data.filter((o: { cart_id: string }) => o.cart_id === cartId);
    expect(orders).toHaveLength(1);
    expect((await authorizations(t)).length - before).toBe(1);
  });

  it('answers a hard decline with 402 and undoes everything: stock released, cart open, nothing charged', async () => {
    const before = await availability(store.skus[1]!);
    const cartId = await readyCart(t, store, { country, sku: store.skus[1], quantity: 3 });
    const authsBefore = (await authorizations(t)).length;
    for (const token of ['tok_decline', 'tok_insufficient_funds']) {
      const res = await checkout(t, cartId, token);
      expect(res.statusCode, res.body).toBe(402);
      const problem = res.json();
      expect(problem.code).toBe('payment_declined');
      expect(problem.errors[0].detail).toBe(token === 'tok_decline' ? 'card_declined' : 'insufficient_funds');
      expect(await cartStatus(cartId)).toMatchObject({ status: 'open', order_id: null });
      expect(await availability(store.skus[1]!)).toEqual(before);
    }
    expect((await authorizations(t)).length).toBe(authsBefore);
    // the shopper fixes the card: the same cart checks out
    expect((await checkout(t, cartId)).statusCode).toBe(201);
  });

  it('fails over when the first processor is down, and keeps a timed-out authorisation found by lookup', async () => {
    const down = await checkout(t, await readyCart(t, store, { country }), 'tok_processor_down');
    expect(down.statusCode, down.body).toBe(201);
    const p1 = (await t.call('GET', `/v1/payments/${down.json().payment_id}`)).json();
    expect(p1.attempts.map((a: { processor: string; outcome: string }) => [a.processor, a.outcome])).toEqual([
      ['simpay', 'unavailable'],
      ['altpay', 'authorized'],
    ]);

    const before = (await authorizations(t)).length;
    const timeout = await checkout(t, await readyCart(t, store, { country }), 'tok_timeout_after_auth');
    expect(timeout.statusCode, timeout.body).toBe(201);
    const p2 = (await t.call('GET', `/v1/payments/${timeout.json().payment_id}`)).json();
    expect(p2.attempts.map((a: { processor: string; outcome: string }) => [a.processor, a.outcome])).toEqual([['simpay', 'timeout_authorized']]);
    expect((await authorizations(t)).length - before).toBe(1);
  });

  it('refuses carts that are not ready, with the field to fix', async () => {
    const empty = (await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: store.regionId } })).json();
    expect((await checkout(t, empty.id)).json().code).toBe('cart_empty');
    await t.call('POST', `/v1/carts/${empty.id}/items`, { key: t.keys.publishable, body: { sku: store.skus[0], quantity: 1 } });
    const noEmail = await checkout(t, empty.id);
    expect(noEmail.statusCode).toBe(422);
    expect(noEmail.json()).toMatchObject({ code: 'email_required', errors: [{ pointer: '/email' }] });
    expect((await checkout(t, 'cart_missing')).statusCode).toBe(404);
  });

  it('refuses to charge a total the shopper did not see', async () => {
    const cartId = await readyCart(t, store, { country });
    const res = await checkout(t, cartId, 'tok_visa', { body: { expected_total: 1 } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('total_changed');
    expect(await cartStatus(cartId)).toMatchObject({ status: 'open' });
  });

  it('refreshes a changed price and asks the shopper to confirm it', async () => {
    const product = (await t.call('POST', '/v1/products', { body: { title: 'Volatile', status: 'published', variants: [{ sku: `VOL-${country}`, weight_grams: 100, prices: [{ currency: 'USD', amount: 1000 }] }] } })).json();
    await t.call('PUT', `/v1/stock_locations/${store.locationId}/levels/VOL-${country}`, { body: { on_hand: 5 } });
    const cartId = await readyCart(t, store, { country, sku: `VOL-${country}` });
    await t.call('PATCH', `/v1/products/${product.id}/variants/${product.variants[0].id}`, { body: { prices: [{ currency: 'USD', amount: 1200 }] } });
    const res = await checkout(t, cartId);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('cart_changed');
    expect((await t.call('GET', `/v1/carts/${cartId}`)).json().items[0].unit_amount).toBe(1200);
    expect((await checkout(t, cartId)).statusCode).toBe(201);
  });

  it('counts checkouts started, completed and failed by reason, with their duration', async () => {
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const base = name.replace(/_count$/, '');
      const m = await t.metrics.registry.getSingleMetric(base)?.get();
      const values = (m?.values ?? []) as { labels: Record<string, unknown>; value: number; metricName?: string }[];
      return values
        .filter((v) => (v.metricName ?? base) === name && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))
        .reduce((sum, v) => sum + v.value, 0);
    };
    const before = {
      started: await value('tessera_checkouts_started_total'),
      completed: await value('tessera_checkouts_completed_total'),
      declined: await value('tessera_checkouts_failed_total', { reason: 'payment_declined' }),
      timed: await value('tessera_checkout_duration_seconds_count', { result: 'completed' }),
    };
    expect((await checkout(t, await readyCart(t, store, { country }))).statusCode).toBe(201);
    expect((await checkout(t, await readyCart(t, store, { country }), 'tok_decline')).statusCode).toBe(402);
    expect(await value('tessera_checkouts_started_total')).toBe(before.started + 2);
    expect(await value('tessera_checkouts_completed_total')).toBe(before.completed + 1);
    expect(await value('tessera_checkouts_failed_total', { reason: 'payment_declined' })).toBe(before.declined + 1);
    expect(await value('tessera_checkout_duration_seconds_count', { result: 'completed' })).toBe(before.timed + 1);
  });

  it('refuses a live-mode payment when no live processor is configured, and undoes the checkout', async () => {
    const live = t.keys.liveSecret;
    const call = async (method: string, url: string, body: unknown, status = 200) => {
      const res = await t.call(method, url, { key: live, body });
      expect(res.statusCode, res.body).toBe(status);
      return res.json();
    };
    const region = await call('POST', '/v1/regions', { name: 'Live US', currency: 'USD', countries: ['US'], tax_rate: 0 }, 201);
    const option = await call('POST', `/v1/regions/${region.id}/shipping_options`, { name: 'Post', price: { type: 'flat', amount: 100 } }, 201);
    const location = await call('POST', '/v1/stock_locations', { name: 'Live WH' }, 201);
    await call('POST', '/v1/products', { title: 'Live thing', status: 'published', variants: [{ sku: 'LIVE-1', prices: [{ currency: 'USD', amount: 1000 }] }] }, 201);
    await call('PUT', `/v1/stock_locations/${location.id}/levels/LIVE-1`, { on_hand: 3 });
    const cart = await call('POST', '/v1/carts', { region_id: region.id, email: 'live@example.com', items: [{ sku: 'LIVE-1', quantity: 1 }] }, 201);
    await call('PATCH', `/v1/carts/${cart.id}`, { shipping_address: { name: 'L', line1: '1', city: 'C', postal_code: '1', country: 'US' } });
    await call('POST', `/v1/carts/${cart.id}/shipping`, { option_id: option.id });
    const res = await checkout(t, cart.id, 'tok_visa', { key: live });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('payment_processor_not_configured');
    expect((await t.call('GET', '/v1/inventory_items/LIVE-1', { key: live })).json()).toMatchObject({ on_hand: 3, reserved: 0 });
    expect((await t.call('GET', `/v1/carts/${cart.id}`, { key: live })).json().status).toBe('open');
    expect((await t.call('GET', `/v1/payments?cart_id=${cart.id}`, { key: live })).json().data).toEqual([]);
  });
});
