import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ADDRESS, createStore, freshCountry, readyCart, tag, type Store } from './helpers/commerce.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

type NewPromotion = operations['postV1Promotions']['requestBody']['content']['application/json'];

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
  store = await createStore(t, { country, prices: [2500, 900], stock: 100 });
});
afterAll(() => t.close());

async function promotion(body: Omit<NewPromotion, 'name'>) {
  return ok(await admin.POST('/v1/promotions', { body: { name: 'Promo', ...body } }), 201);
}

const cartPath = (id: string) => ({ path: { id } });
const codePath = (id: string, code: string) => ({ path: { id, code } });
const applyCode = (id: string, code: string) => shop.POST('/v1/carts/{id}/promotions', { params: cartPath(id), body: { code } });
const removeCode = (id: string, code: string) => shop.DELETE('/v1/carts/{id}/promotions/{code}', { params: codePath(id, code) });
const readCart = async (id: string) => ok(await shop.GET('/v1/carts/{id}', { params: cartPath(id) }));

const rejections = async (reason: string) => {
  const m = await t.metrics.registry.getSingleMetric('tessera_promotion_rejections_total')?.get();
  return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
};

describe('promotions in the cart', () => {
  it('keeps an ineligible code with its machine reason, counts it, and applies it once eligible', async () => {
    const code = `MIN${tag()}`;
    await promotion({ code, conditions: [{ type: 'min_subtotal', amount: 5000 }], actions: [{ type: 'amount_off', amount: 1000 }] });
    const cart = ok(await shop.POST('/v1/carts', { body: { region_id: store.regionId, items: [{ sku: store.skus[0]!, quantity: 1 }] } }));
    const before = await rejections('min_subtotal_not_met');
    const applied = ok(await applyCode(cart.id, code.toLowerCase()), 200);
    expect(applied.promotions).toMatchObject({ codes: [code], applied: [], rejected: [{ code, reason: 'min_subtotal_not_met' }] });
    expect(await rejections('min_subtotal_not_met')).toBe(before + 1);

    const body = ok(await shop.PATCH('/v1/carts/{id}/items/{item_id}', { params: { path: { id: cart.id, item_id: cart.items[0]!.id } }, body: { quantity: 2 } }));
    expect(body.promotions.applied).toEqual([expect.objectContaining({ code, amount: 1000 })]);
    expect(body.totals).toMatchObject({ subtotal: 5000, discount_total: 1000 });
    // 4000 after the discount: 8.875 % → 355
    expect(body.totals.tax_total).toBe(355);

    expect(ok(await removeCode(cart.id, code)).promotions).toMatchObject({ codes: [], applied: [] });
    expect((await removeCode(cart.id, code)).error?.code).toBe('promotion_code_not_applied');
  });

  it('refuses an unknown code with 422 and keeps the cart as it was', async () => {
    const cart = ok(await shop.POST('/v1/carts', { body: { region_id: store.regionId } }));
    const refused = problem(await applyCode(cart.id, 'NOPE-NOPE'), 422);
    expect(refused).toMatchObject({ code: 'promotion_code_invalid', errors: [{ pointer: '/code' }] });
    expect((await readCart(cart.id)).promotions.codes).toEqual([]);
  });

  it('applies automatic promotions and free shipping, and an exclusive code stands alone', async () => {
    const auto = await promotion({ conditions: [{ type: 'skus', skus: [store.skus[1]!] }], actions: [{ type: 'percent_off', percent: 10, applies_to: { skus: [store.skus[1]!] } }] });
    const ship = `SHIP${tag()}`;
    await promotion({ code: ship, actions: [{ type: 'free_shipping' }] });
    const solo = `SOLO${tag()}`;
    await promotion({ code: solo, combinable: false, priority: 100, actions: [{ type: 'amount_off', amount: 300 }] });
    const cartId = await readyCart(t, store, { country, sku: store.skus[1]!, quantity: 2, codes: [ship] });
    let cart = await readCart(cartId);
    // 2 × 900 = 1800; 10 % of it automatically; shipping 500 made free by the code
    expect(cart.promotions.applied.map((a) => [a.promotion_id, a.amount])).toEqual(expect.arrayContaining([[auto.id, 180], [expect.any(String), 500]]));
    expect(cart.totals).toMatchObject({ subtotal: 1800, discount_total: 180, shipping_total: 0, shipping_discount_total: 500 });

    cart = ok(await applyCode(cartId, solo));
    expect(cart.promotions.applied.map((a) => a.code)).toEqual([solo]);
    expect(cart.promotions.rejected).toEqual(expect.arrayContaining([expect.objectContaining({ code: ship, reason: 'not_combinable' })]));
    // checkout refuses to silently drop a code the shopper entered
    expect(problem(await checkout(shop, cartId), 409).code).toBe('promotion_unavailable');
  });

  it('targets customer segments, e-mail domains and first orders', async () => {
    const vip = `VIP${tag()}`;
    await promotion({ code: vip, conditions: [{ type: 'customer_segment', segments: ['vip'] }], actions: [{ type: 'amount_off', amount: 100 }] });
    const first = `FIRST${tag()}`;
    await promotion({ code: first, conditions: [{ type: 'first_order' }], actions: [{ type: 'amount_off', amount: 100 }] });
    const customer = `cus_${tag().toLowerCase()}`;
    const refused = problem(await shop.POST('/v1/carts', { body: { region_id: store.regionId, customer_id: customer } }), 403);
    expect(refused).toMatchObject({ code: 'customer_requires_secret_key', errors: [{ pointer: '/customer_id' }] });
    // the store's server names the customer; the storefront goes on with the publishable key
    const cart = ok(await admin.POST('/v1/carts', { body: { region_id: store.regionId, customer_id: customer, items: [{ sku: store.skus[0]!, quantity: 1 }] } }));
    let res = ok(await applyCode(cart.id, vip));
    expect(res.promotions.rejected).toEqual([expect.objectContaining({ code: vip, reason: 'customer_not_eligible' })]);
    const segments = ok(await admin.PUT('/v1/customers/{id}/segments', { params: cartPath(customer), body: { segments: ['vip'] } }));
    expect(segments).toEqual({ id: customer, object: 'customer', segments: ['vip'] });
    expect((await readCart(cart.id)).promotions.applied).toEqual([expect.objectContaining({ code: vip })]);

    // a customer with an order is not on a first order any more
    ok(await removeCode(cart.id, vip));
    ok(await shop.PATCH('/v1/carts/{id}', { params: cartPath(cart.id), body: { email: 'seg@example.com', shipping_address: { ...ADDRESS, country } } }));
    ok(await shop.POST('/v1/carts/{id}/shipping', { params: cartPath(cart.id), body: { option_id: store.flatId } }));
    ok(await checkout(shop, cart.id), 201);
    const next = ok(await admin.POST('/v1/carts', { body: { region_id: store.regionId, customer_id: customer, items: [{ sku: store.skus[0]!, quantity: 1 }] } }));
    res = ok(await applyCode(next.id, first));
    expect(res.promotions.rejected).toEqual([expect.objectContaining({ code: first, reason: 'not_first_order' })]);
  });
});
