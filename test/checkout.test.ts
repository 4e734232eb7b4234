import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { authorizations, createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';
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
  store = await createStore(t, { country, prices: [2500, 900], stock: 1000 });
});
afterAll(() => t.close());

async function availability(sku: string) {
  return ok(await admin.GET('/v1/inventory_items/{sku}', { params: { path: { sku } } }), 200);
}

async function cartStatus(id: string) {
  return ok(await admin.GET('/v1/carts/{id}', { params: { path: { id } } }));
}

describe('checkout', () => {
  it('turns a ready cart into a paid order, allocates its stock (on hand until shipped) and completes the cart', async () => {
    const before = await availability(store.skus[0]!);
    const cartId = await readyCart(t, store, { country, quantity: 2 });
    const cart = ok(await admin.GET('/v1/carts/{id}', { params: { path: { id: cartId } } }));
    const res = await checkout(shop, cartId);
    const order = ok(res, 201);
    expect(res.response.headers.get('cache-control')).toBe('private, no-store');
    expect(order).toMatchObject({ object: 'order', status: 'paid', cart_id: cartId, currency: 'USD', email: 'ada@example.com', totals: cart.totals });
    expect(order.id).toMatch(/^ord_/);
    expect(order.lines).toEqual([expect.objectContaining({ sku: store.skus[0], quantity: 2, unit_amount: 2500, total: cart.items[0]!.total })]);
    expect(await cartStatus(cartId)).toMatchObject({ status: 'completed', order_id: order.id });
    const after = await availability(store.skus[0]!);
    expect(after).toMatchObject({ on_hand: before.on_hand, reserved: before.reserved + 2, available: before.available - 2 });

    const payment = ok(await admin.GET('/v1/payments/{id}', { params: { path: { id: order.payment_id! } } }));
    expect(payment).toMatchObject({ status: 'succeeded', amount: order.totals.total, amount_captured: order.totals.total });
    expect(payment.attempts).toEqual([expect.objectContaining({ processor: 'simpay', outcome: 'authorized' })]);
    expect(ok(await admin.GET('/v1/orders/{id}', { params: { path: { id: order.id } } }))).toEqual({ ...order, updated_at: expect.any(String) });
  });

  it('requires an Idempotency-Key and replays the same order for the same key', async () => {
    const cartId = await readyCart(t, store, { country });
    const keyless = api(t, t.keys.publishable, { autoIdempotency: false });
    const missing = await keyless.POST('/v1/carts/{id}/checkout', { params: { path: { id: cartId } }, body: { payment: { token: 'tok_visa' } } });
    expect(problem(missing, 400).code).toBe('idempotency_key_required');

    const first = await checkout(shop, cartId, 'tok_visa', { idempotencyKey: `key-${cartId}` });
    const replay = await checkout(shop, cartId, 'tok_visa', { idempotencyKey: `key-${cartId}` });
    expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
    expect(ok(replay, 201).id).toBe(ok(first).id);

    const other = await checkout(shop, cartId);
    expect(problem(other, 409).code).toBe('cart_already_completed');
  });

  it('gives one order and one charge for a concurrent double submit with different keys', async () => {
    const cartId = await readyCart(t, store, { country });
    const before = (await authorizations(t)).length;
    const results = await Promise.all([checkout(shop, cartId), checkout(shop, cartId), checkout(shop, cartId)]);
    const created = results.filter((r) => r.response.status === 201);
    expect(created).toHaveLength(1);
    for (const r of results.filter((x) => x.response.status !== 201)) {
      expect(['checkout_in_progress', 'cart_already_completed']).toContain(problem(r, 409).code);
    }
    const orders = ok(await admin.GET('/v1/orders', { params: { query: { email: 'ada@example.com', limit: 100 } } })).data.filter((o) => o.cart_id === cartId);
    expect(orders).toHaveLength(1);
    expect((await authorizations(t)).length - before).toBe(1);
  });

  it('answers a hard decline with 402 and undoes everything: stock released, cart open, nothing charged', async () => {
    const before = await availability(store.skus[1]!);
    const cartId = await readyCart(t, store, { country, sku: store.skus[1], quantity: 3 });
    const authsBefore = (await authorizations(t)).length;
    for (const token of ['tok_decline', 'tok_insufficient_funds']) {
      const declined = problem(await checkout(shop, cartId, token), 402);
      expect(declined.code).toBe('payment_declined');
      expect(declined.errors![0]!.detail).toBe(token === 'tok_decline' ? 'card_declined' : 'insufficient_funds');
      expect(await cartStatus(cartId)).toMatchObject({ status: 'open', order_id: null });
      expect(await availability(store.skus[1]!)).toEqual(before);
    }
    expect((await authorizations(t)).length).toBe(authsBefore);
    // the shopper fixes the card: the same cart checks out
    ok(await checkout(shop, cartId), 201);
  });

  it('fails over when the first processor is down, and keeps a timed-out authorisation found by lookup', async () => {
    const down = ok(await checkout(shop, await readyCart(t, store, { country }), 'tok_processor_down'), 201);
    const p1 = ok(await admin.GET('/v1/payments/{id}', { params: { path: { id: down.payment_id! } } }));
    expect(p1.attempts.map((a) => [a.processor, a.outcome])).toEqual([
      ['simpay', 'unavailable'],
      ['altpay', 'authorized'],
    ]);

    const before = (await authorizations(t)).length;
    const timeout = ok(await checkout(shop, await readyCart(t, store, { country }), 'tok_timeout_after_auth'), 201);
    const p2 = ok(await admin.GET('/v1/payments/{id}', { params: { path: { id: timeout.payment_id! } } }));
    expect(p2.attempts.map((a) => [a.processor, a.outcome])).toEqual([['simpay', 'timeout_authorized']]);
    expect((await authorizations(t)).length - before).toBe(1);
  });

  it('refuses carts that are not ready, with the field to fix', async () => {
    const empty = ok(await shop.POST('/v1/carts', { body: { region_id: store.regionId } }));
    expect((await checkout(shop, empty.id)).error?.code).toBe('cart_empty');
    ok(await shop.POST('/v1/carts/{id}/items', { params: { path: { id: empty.id } }, body: { sku: store.skus[0]!, quantity: 1 } }));
    const noEmail = problem(await checkout(shop, empty.id), 422);
    expect(noEmail).toMatchObject({ code: 'email_required', errors: [{ pointer: '/email' }] });
    problem(await checkout(shop, 'cart_missing'), 404);
  });

  it('refuses to charge a total the shopper did not see', async () => {
    const cartId = await readyCart(t, store, { country });
    const res = await checkout(shop, cartId, 'tok_visa', { expectedTotal: 1 });
    expect(problem(res, 409).code).toBe('total_changed');
    expect(await cartStatus(cartId)).toMatchObject({ status: 'open' });
  });

  it('refreshes a changed price and asks the shopper to confirm it', async () => {
    const sku = `VOL-${country}`;
    const product = ok(await admin.POST('/v1/products', { body: { title: 'Volatile', status: 'published', variants: [{ sku, weight_grams: 100, prices: [{ currency: 'USD', amount: 1000 }] }] } }));
    ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: store.locationId, sku } }, body: { on_hand: 5 } }));
    const cartId = await readyCart(t, store, { country, sku });
    ok(await admin.PATCH('/v1/products/{id}/variants/{variant_id}', { params: { path: { id: product.id, variant_id: product.variants[0]!.id } }, body: { prices: [{ currency: 'USD', amount: 1200 }] } }));
    const res = await checkout(shop, cartId);
    expect(problem(res, 409).code).toBe('cart_changed');
    expect(ok(await admin.GET('/v1/carts/{id}', { params: { path: { id: cartId } } })).items[0]!.unit_amount).toBe(1200);
    ok(await checkout(shop, cartId), 201);
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
    ok(await checkout(shop, await readyCart(t, store, { country })), 201);
    problem(await checkout(shop, await readyCart(t, store, { country }), 'tok_decline'), 402);
    expect(await value('tessera_checkouts_started_total')).toBe(before.started + 2);
    expect(await value('tessera_checkouts_completed_total')).toBe(before.completed + 1);
    expect(await value('tessera_checkouts_failed_total', { reason: 'payment_declined' })).toBe(before.declined + 1);
    expect(await value('tessera_checkout_duration_seconds_count', { result: 'completed' })).toBe(before.timed + 1);
  });

  it('refuses a live-mode payment when no live processor is configured, and undoes the checkout', async () => {
    const live = api(t, t.keys.liveSecret);
    const region = ok(await live.POST('/v1/regions', { body: { name: 'Live US', currency: 'USD', countries: ['US'], tax_rate: 0 } }), 201);
    const option = ok(await live.POST('/v1/regions/{id}/shipping_options', { params: { path: { id: region.id } }, body: { name: 'Post', price: { type: 'flat', amount: 100 } } }), 201);
    const location = ok(await live.POST('/v1/stock_locations', { body: { name: 'Live WH' } }), 201);
    ok(await live.POST('/v1/products', { body: { title: 'Live thing', status: 'published', variants: [{ sku: 'LIVE-1', prices: [{ currency: 'USD', amount: 1000 }] }] } }), 201);
    ok(await live.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: location.id, sku: 'LIVE-1' } }, body: { on_hand: 3 } }), 200);
    const cart = ok(await live.POST('/v1/carts', { body: { region_id: region.id, email: 'live@example.com', items: [{ sku: 'LIVE-1', quantity: 1 }] } }), 201);
    const path = { path: { id: cart.id } };
    ok(await live.PATCH('/v1/carts/{id}', { params: path, body: { shipping_address: { name: 'L', line1: '1', city: 'C', postal_code: '1', country: 'US' } } }), 200);
    ok(await live.POST('/v1/carts/{id}/shipping', { params: path, body: { option_id: option.id } }), 200);
    expect(problem(await checkout(live, cart.id), 503).code).toBe('payment_processor_not_configured');
    expect(ok(await live.GET('/v1/inventory_items/{sku}', { params: { path: { sku: 'LIVE-1' } } }))).toMatchObject({ on_hand: 3, reserved: 0 });
    expect(ok(await live.GET('/v1/carts/{id}', { params: path })).status).toBe('open');
    expect(ok(await live.GET('/v1/payments', { params: { query: { cart_id: cart.id } } })).data).toEqual([]);
  });
});
