import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ADDRESS, checkout, createStore, freshCountry, readyCart, tag, type Store } from './helpers/commerce.js';

let t: TestApp;
let store: Store;
let country: string;
beforeAll(async () => {
  t = await startTestApp();
  country = freshCountry();
  store = await createStore(t, { country, prices: [2500, 900], stock: 100 });
});
afterAll(() => t.close());

async function promotion(body: Record<string, unknown>) {
  const res = await t.call('POST', '/v1/promotions', { body: { name: 'Promo', ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; code: string | null }>();
}

const pk = () => t.keys.publishable;
const rejections = async (reason: string) => {
  const m = await t.metrics.registry.getSingleMetric('tessera_promotion_rejections_total')?.get();
  return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
};

describe('promotions in the cart', () => {
  it('keeps an ineligible code with its machine reason, counts it, and applies it once eligible', async () => {
    const code = `MIN${tag()}`;
    await promotion({ code, conditions: [{ type: 'min_subtotal', amount: 5000 }], actions: [{ type: 'amount_off', amount: 1000 }] });
    const cart = (await t.call('POST', '/v1/carts', { key: pk(), body: { region_id: store.regionId, items: [{ sku: store.skus[0], quantity: 1 }] } })).json();
    const before = await rejections('min_subtotal_not_met');
    let res = await t.call('POST', `/v1/carts/${cart.id}/promotions`, { key: pk(), body: { code: code.toLowerCase() } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().promotions).toMatchObject({ codes: [code], applied: [], rejected: [{ code, reason: 'min_subtotal_not_met' }] });
    expect(await rejections('min_subtotal_not_met')).toBe(before + 1);

    res = await t.call('PATCH', `/v1/carts/${cart.id}/items/${cart.items[0].id}`, { key: pk(), body: { quantity: 2 } });
    const body = res.json();
    expect(body.promotions.applied).toEqual([expect.objectContaining({ code, amount: 1000 })]);
    expect(body.totals).toMatchObject({ subtotal: 5000, discount_total: 1000 });
    // 4000 after the discount: 8.875 % → 355
    expect(body.totals.tax_total).toBe(355);

    res = await t.call('DELETE', `/v1/carts/${cart.id}/promotions/${code}`, { key: pk() });
    expect(res.json().promotions).toMatchObject({ codes: [], applied: [] });
    expect((await t.call('DELETE', `/v1/carts/${cart.id}/promotions/${code}`, { key: pk() })).json().code).toBe('promotion_code_not_applied');
  });

  it('refuses an unknown code with 422 and keeps the cart as it was', async () => {
    const cart = (await t.call('POST', '/v1/carts', { key: pk(), body: { region_id: store.regionId } })).json();
    const res = await t.call('POST', `/v1/carts/${cart.id}/promotions`, { key: pk(), body: { code: 'NOPE-NOPE' } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'promotion_code_invalid', errors: [{ pointer: '/code' }] });
    expect((await t.call('GET', `/v1/carts/${cart.id}`, { key: pk() })).json().promotions.codes).toEqual([]);
  });

  it('applies automatic promotions and free shipping, and an exclusive code stands alone', async () => {
    const auto = await promotion({ conditions: [{ type: 'skus', skus: [store.skus[1]] }], actions: [{ type: 'percent_off', percent: 10, applies_to: { skus: [store.skus[1]] } }] });
    const ship = `SHIP${tag()}`;
    await promotion({ code: ship, actions: [{ type: 'free_shipping' }] });
    const solo = `SOLO${tag()}`;
    await promotion({ code: solo, combinable: false, priority: 100, actions: [{ type: 'amount_off', amount: 300 }] });
    const cartId = await readyCart(t, store, { country, sku: store.skus[1], quantity: 2, codes: [ship] });
    let cart = (await t.call('GET', `/v1/carts/${cartId}`, { key: pk() })).json();
    // 2 × 900 = 1800; 10 % of it automatically; shipping 500 made free by the code
    expect(cart.promotions.applied.map((a: { promotion_id: string; amount: number }) => [a.promotion_id, a.amount])).toEqual(
      expect.arrayContaining([[auto.id, 180], [expect.any(String), 500]]),
    );
    expect(cart.totals).toMatchObject({ subtotal: 1800, discount_total: 180, shipping_total: 0, shipping_discount_total: 500 });

    cart = (await t.call('POST', `/v1/carts/${cartId}/promotions`, { key: pk(), body: { code: solo } })).json();
    expect(cart.promotions.applied.map((a: { code: string | null }) => a.code)).toEqual([solo]);
    expect(cart.promotions.rejected).toEqual(expect.arrayContaining([expect.objectContaining({ code: ship, reason: 'not_combinable' })]));
    // checkout refuses to silently drop a code the shopper entered
    const res = await checkout(t, cartId);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('promotion_unavailable');
  });

  it('targets customer segments, e-mail domains and first orders', async () => {
    const vip = `VIP${tag()}`;
    await promotion({ code: vip, conditions: [{ type: 'customer_segment', segments: ['vip'] }], actions: [{ type: 'amount_off', amount: 100 }] });
    const first = `FIRST${tag()}`;
    await promotion({ code: first, conditions: [{ type: 'first_order' }], actions: [{ type: 'amount_off', amount: 100 }] });
    const customer = `cus_${tag().toLowerCase()}`;
    const refused = await t.call('POST', '/v1/carts', { key: pk(), body: { region_id: store.regionId, customer_id: customer } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'customer_requires_secret_key', errors: [{ pointer: '/customer_id' }] });
    // the store's server names the customer; the storefront goes on with the publishable key
    const cart = (await t.call('POST', '/v1/carts', { body: { region_id: store.regionId, customer_id: customer, items: [{ sku: store.skus[0], quantity: 1 }] } })).json();
    let res = await t.call('POST', `/v1/carts/${cart.id}/promotions`, { key: pk(), body: { code: vip } });
    expect(res.json().promotions.rejected).toEqual([expect.objectContaining({ code: vip, reason: 'customer_not_eligible' })]);
    expect((await t.call('PUT', `/v1/customers/${customer}/segments`, { body: { segments: ['vip'] } })).json()).toEqual({ id: customer, object: 'customer', segments: ['vip'] });
    res = await t.call('GET', `/v1/carts/${cart.id}`, { key: pk() });
    expect(res.json().promotions.applied).toEqual([expect.objectContaining({ code: vip })]);

    // a customer with an order is not on a first order any more
    await t.call('DELETE', `/v1/carts/${cart.id}/promotions/${vip}`, { key: pk() });
    await t.call('PATCH', `/v1/carts/${cart.id}`, { key: pk(), body: { email: 'seg@example.com', shipping_address: { ...ADDRESS, country } } });
    await t.call('POST', `/v1/carts/${cart.id}/shipping`, { key: pk(), body: { option_id: store.flatId } });
    expect((await checkout(t, cart.id)).statusCode).toBe(201);
    const next = (await t.call('POST', '/v1/carts', { body: { region_id: store.regionId, customer_id: customer, items: [{ sku: store.skus[0], quantity: 1 }] } })).json();
    res = await t.call('POST', `/v1/carts/${next.id}/promotions`, { key: pk(), body: { code: first } });
    expect(res.json().promotions.rejected).toEqual([expect.objectContaining({ code: first, reason: 'not_first_order' })]);
  });
});
