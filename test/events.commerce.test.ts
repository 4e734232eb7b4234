import { countingDb } from '../src/platform/db/counting.testbed.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorControl } from '../src/modules/payments/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { EventEnvelope } from '../src/platform/events/outbox.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { idempotencyHeader, type TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ADDRESS, createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

// The money side's events, end to end: each written with its state change, once, carrying the
// request that caused it and the campaign that brought the order.
let t: TestApp;
let auto: { store: Store; country: string };
let manual: { store: Store; country: string };
let shopKey: { id: string; secret: string };
/** The secret key (each POST with a fresh Idempotency-Key) and the storefront's publishable key. */
let admin: TesseraClient;
let shop: TesseraClient;

beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
  const a = freshCountry();
  const m = freshCountry();
  auto = { country: a, store: await createStore(t, { country: a, prices: [2500], stock: 1000 }) };
  manual = { country: m, store: await createStore(t, { country: m, prices: [1800], stock: 1000, capture: 'manual' }) };
  shopKey = await t.modules.developers.keys.create('test', ulidIds(), { type: 'publishable' });
});
afterAll(() => t.close());

const byId = (id: string) => ({ params: { path: { id } } });
const refund = (orderId: string, body: { amount?: number }) => admin.POST('/v1/orders/{id}/refunds', { ...byId(orderId), body });
const typesOf = (events: readonly EventEnvelope[]) => events.map((e) => e.type);
/** Events about anything that belongs to this cart: the cart itself, its order, its payments. */
const cartEvents = async (cartId: string) => (await eventsOf(t)).filter((e) => e.data.object.id === cartId || e.data.object.cart_id === cartId);

async function placeOrder(where = auto, token = 'tok_visa') {
  const cartId = await readyCart(t, where.store, { country: where.country });
  return ok(await checkout(shop, cartId, token), 201);
}

/** A ready cart created with this metadata and these headers (a storefront's landing page passes its campaign along). */
async function campaignCart(metadata: Record<string, string> | undefined, headers: Record<string, string> = {}): Promise<string> {
  const created = await shop.POST('/v1/carts', { headers, body: { region_id: auto.store.regionId, items: [{ sku: auto.store.skus[0]!, quantity: 1 }], ...(metadata ? { metadata } : {}) } });
  const { id } = ok(created, 201);
  ok(await shop.PATCH('/v1/carts/{id}', { ...byId(id), body: { email: 'ada@example.com', shipping_address: { ...ADDRESS, country: auto.country } } }), 200);
  ok(await shop.POST('/v1/carts/{id}/shipping', { ...byId(id), body: { option_id: auto.store.flatId } }), 200);
  return id;
}

/** A checkout by the storefront with a Tessera-Campaign header. */
const checkoutInCampaign = (cartId: string, campaign: string) => shop.POST('/v1/carts/{id}/checkout', { ...byId(cartId), body: { payment: { token: 'tok_visa' } }, headers: { 'tessera-campaign': campaign } });

const counting = () => countingDb(t.db.forEnv('test'));

describe('commerce events', () => {
  it('costs a checkout no round trip: the events ride in the statements that make the changes', async () => {
    const cartId = await readyCart(t, auto.store, { country: auto.country });
    const { db, log } = counting();
    const ctx: ServiceContext = { env: 'test', db, actor: null, requestId: 'req_roundtrips', idempotencyKey: 'roundtrips', now: () => new Date(), ids: ulidIds() };
    await t.modules.checkout.checkout.checkout(ctx, cartId, { payment: { token: 'tok_visa' } });
    expect(log).toEqual([
      'carts_claim',
      'catalog_purchasable_variants',
      'inventory_reserve_single_line',
      'payments_insert_with_attempt',
      'payments_settle', // writes payment.captured too
      'BEGIN',
      'orders_insert_with_lines',
      'inventory_mark_committed', // commits the reservation as reserve returned it (the order's allocation), no read
      'payments_attach_order',
      'carts_complete', // with order.created, order.paid and cart.checked_out
      'END',
    ]);
    expect(typesOf(await cartEvents(cartId))).toEqual(['payment.captured', 'order.created', 'order.paid', 'cart.checked_out']);
  });

  it('a guest checkout writes order.created, order.paid, cart.checked_out and payment.captured once, with the request that caused them', async () => {
    const cartId = await readyCart(t, auto.store, { country: auto.country, key: shopKey.secret });
    const idempotencyKey = `checkout-${cartId}`;
    const guest = api(t, shopKey.secret);
    const res = await guest.POST('/v1/carts/{id}/checkout', { ...byId(cartId), body: { payment: { token: 'tok_visa' } }, headers: { ...idempotencyHeader(idempotencyKey), 'x-request-id': `req-events-${cartId}` } });
    const order = ok(res, 201);

    const events = await cartEvents(cartId);
    expect(typesOf(events)).toEqual(['payment.captured', 'order.created', 'order.paid', 'cart.checked_out']);
    for (const e of events) {
      expect(e.environment).toBe('test');
      expect(e.context).toMatchObject({ request_id: `req-events-${cartId}`, idempotency_key: idempotencyKey, actor: { type: 'api_key', id: shopKey.id } });
    }
    const [captured, created, paid, checkedOut] = events;
    // each object is what the API shows: the order as GET shows it, the cart completed as this order
    expect(created!.data.object).toEqual(ok(await admin.GET('/v1/orders/{id}', byId(order.id))));
    expect(paid!.data.object).toEqual(created!.data.object);
    expect(checkedOut!.data.object).toEqual(ok(await admin.GET('/v1/carts/{id}', byId(cartId))));
    expect(checkedOut!.data.object).toMatchObject({ object: 'cart', status: 'completed', order_id: order.id });
    // the payment as its sale left it, before the order's transaction linked it
    expect(captured!.data.object).toMatchObject({ object: 'payment', id: order.payment_id, status: 'succeeded', amount_captured: order.totals.total, cart_id: cartId, order_id: null });

    // a replay of the same request answers from the stored response and writes nothing
    const replay = await checkout(guest, cartId, 'tok_visa', { idempotencyKey });
    expect(replay.data?.id).toBe(order.id);
    expect(await cartEvents(cartId)).toHaveLength(4);
  });

  it('a declined checkout writes payment.failed and no order or cart event', async () => {
    const cartId = await readyCart(t, auto.store, { country: auto.country });
    problem(await checkout(shop, cartId, 'tok_decline'), 402);
    const events = await cartEvents(cartId);
    expect(typesOf(events)).toEqual(['payment.failed']);
    expect(events[0]!.data.object).toMatchObject({ status: 'requires_payment_method', last_decline_code: 'card_declined', order_id: null });
    expect(events[0]!.data.object).toEqual(ok(await admin.GET('/v1/payments/{id}', byId(events[0]!.data.object.id as string))));

    // the same cart checked out again with a good card: now the order's events, once
    ok(await checkout(shop, cartId), 201);
    expect(typesOf(await cartEvents(cartId))).toEqual(['payment.failed', 'payment.captured', 'order.created', 'order.paid', 'cart.checked_out']);
  });

  it('a concurrent double submit gives one order.created', async () => {
    const cartId = await readyCart(t, auto.store, { country: auto.country });
    const results = await Promise.all([checkout(shop, cartId), checkout(shop, cartId)]);
    expect(results.map((r) => r.response.status).sort()).toEqual([201, 409]);
    const events = await cartEvents(cartId);
    expect(typesOf(events).filter((type) => type === 'order.created')).toHaveLength(1);
    expect(typesOf(events).filter((type) => type === 'payment.captured')).toHaveLength(1);
  });

  it('manual capture: payment.authorized at checkout, then order.paid and payment.captured on capture', async () => {
    const order = await placeOrder(manual);
    expect(order.status).toBe('pending');
    expect(typesOf(await cartEvents(order.cart_id))).toEqual(['payment.authorized', 'order.created', 'cart.checked_out']);

    const res = await admin.POST('/v1/orders/{id}/capture', byId(order.id));
    const captureResult = ok(res, 200);
    const later = (await cartEvents(order.cart_id)).slice(3);
    expect(typesOf(later)).toEqual(['payment.captured', 'order.paid']);
    const [captured, paid] = later;
    expect(captured!.data.object).toEqual(ok(await admin.GET('/v1/payments/{id}', byId(order.payment_id!))));
    expect(paid!.data.object).toEqual(captureResult);
    expect(paid!.data.previous_attributes).toEqual({ status: 'pending' });
    expect(paid!.context.request_id).toBe(res.response.headers.get('x-request-id'));
  });

  it('cancel: order.canceled and payment.canceled', async () => {
    const order = await placeOrder(manual);
    const canceled = ok(await admin.POST('/v1/orders/{id}/cancel', byId(order.id)), 200);
    const later = (await cartEvents(order.cart_id)).slice(3);
    expect(typesOf(later)).toEqual(['payment.canceled', 'order.canceled']);
    expect(later[0]!.data.object).toMatchObject({ id: order.payment_id, status: 'canceled' });
    expect(later[1]!.data.object).toEqual(canceled);
    expect(later[1]!.data.previous_attributes).toEqual({ status: 'pending', canceled_at: null });

    // a cancel refused (already canceled) writes nothing
    problem(await admin.POST('/v1/orders/{id}/cancel', byId(order.id)), 409);
    expect(await cartEvents(order.cart_id)).toHaveLength(5);
  });

  it('each refund writes order.refunded (with the amount it moved) and payment.refunded', async () => {
    const order = await placeOrder();
    const total = order.totals.total;
    const first = ok(await refund(order.id, { amount: 1000 }), 201);
    const rest = ok(await refund(order.id, {}), 201);

    const refunds = (await cartEvents(order.cart_id)).slice(4);
    expect(typesOf(refunds)).toEqual(['payment.refunded', 'order.refunded', 'payment.refunded', 'order.refunded']);
    const [pay1, order1, pay2, order2] = refunds;
    expect(order1!.data.object).toEqual(first.order);
    expect(order1!.data.previous_attributes).toEqual({ amount_refunded: 0 });
    expect(order2!.data.object).toEqual(rest.order);
    expect(order2!.data.object).toMatchObject({ status: 'refunded', amount_refunded: total });
    expect(order2!.data.previous_attributes).toEqual({ amount_refunded: 1000, status: 'paid' });
    expect(pay1!.data.object).toMatchObject({ id: order.payment_id, amount_refunded: 1000 });
    expect(pay1!.data.previous_attributes).toEqual({ amount_refunded: 0 });
    expect(pay2!.data.object).toMatchObject({ amount_refunded: total });
    expect(pay2!.data.previous_attributes).toEqual({ amount_refunded: 1000 });
  });

  it('a refund the processor could not take writes no refund event', async () => {
    const order = await placeOrder();
    const simpay = emulatorControl(t.emulators.simpay);
    await simpay.outage(true);
    try {
      expect((await refund(order.id, { amount: 500 })).response.status).toBeGreaterThanOrEqual(500);
    } finally {
      await simpay.outage(false);
    }
    expect(typesOf(await cartEvents(order.cart_id))).not.toContain('order.refunded');
    expect(typesOf(await cartEvents(order.cart_id))).not.toContain('payment.refunded');
  });

  it("order events carry the cart's utm_* metadata as their campaign", async () => {
    const cartId = await campaignCart({ utm_source: 'newsletter', utm_campaign: 'spring', gift_note: 'not a label' });
    const order = ok(await checkout(shop, cartId), 201);
    const events = await cartEvents(cartId);
    const created = events.find((e) => e.type === 'order.created')!;
    expect(created.context.campaign).toEqual({ utm_source: 'newsletter', utm_campaign: 'spring' });
    expect(events.find((e) => e.type === 'order.paid')!.context.campaign).toEqual({ utm_source: 'newsletter', utm_campaign: 'spring' });

    // and still on a refund days later, from a request with no campaign of its own
    ok(await refund(order.id, { amount: 100 }), 201);
    const refunded = (await cartEvents(cartId)).find((e) => e.type === 'order.refunded')!;
    expect(refunded.context.campaign).toEqual({ utm_source: 'newsletter', utm_campaign: 'spring' });
  });

  it('a Tessera-Campaign header on cart creation is kept on the cart and reaches the order events; the body’s own keys win', async () => {
    const cartId = await campaignCart({ utm_medium: 'social' }, { 'tessera-campaign': 'utm_campaign=summer; utm_medium=email' });
    const cart = ok(await shop.GET('/v1/carts/{id}', byId(cartId)));
    expect(cart.metadata).toEqual({ utm_campaign: 'summer', utm_medium: 'social' });

    ok(await checkout(shop, cartId), 201); // no header on the checkout itself
    const created = (await cartEvents(cartId)).find((e) => e.type === 'order.created')!;
    expect(created.context.campaign).toEqual({ utm_campaign: 'summer', utm_medium: 'social' });
  });

  it("a Tessera-Campaign header on the checkout labels its events; the cart's own labels win over it", async () => {
    const plain = await campaignCart(undefined);
    ok(await checkoutInCampaign(plain, 'fall'), 201);
    for (const e of await cartEvents(plain)) expect(e.context.campaign, e.type).toEqual({ utm_campaign: 'fall' });

    const labelled = await campaignCart({ utm_campaign: 'spring' });
    ok(await checkoutInCampaign(labelled, 'fall'), 201);
    const events = await cartEvents(labelled);
    expect(events.find((e) => e.type === 'order.created')!.context.campaign).toEqual({ utm_campaign: 'spring' });
    expect(events.find((e) => e.type === 'cart.checked_out')!.context.campaign).toEqual({ utm_campaign: 'fall' });
  });

  it('a reconciliation run with findings writes reconciliation_run.completed; one without writes nothing', async () => {
    const clean = ok(await admin.POST('/v1/reconciliation/runs'), 201);
    expect(clean.findings).toEqual([]);
    expect(await eventsOf(t, ['reconciliation_run.*'])).toEqual([]);

    await emulatorControl(t.emulators.simpay).tamper({ kind: 'extra', amount_captured: 4242, currency: 'USD' });
    const run = ok(await admin.POST('/v1/reconciliation/runs'), 201);
    const events = await eventsOf(t, ['reconciliation_run.*']);
    expect(typesOf(events)).toEqual(['reconciliation_run.completed']);
    expect(events[0]!.data.object).toEqual(run);
    expect(events[0]!.data.object).toMatchObject({ id: run.id, summary: { missing: 0, extra: 1, amount_mismatch: 0 } });
  });
});
