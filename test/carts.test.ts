import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ADDRESS, createStore, freshCountry, type Store } from './helpers/commerce.js';
import { api, ok, problem } from './helpers/sdk.js';

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
  store = await createStore(t, { country, prices: [2500, 900] });
});
afterAll(() => t.close());

async function newCart(body: { items?: { sku: string; quantity: number }[] } = {}) {
  return ok(await shop.POST('/v1/carts', { body: { region_id: store.regionId, ...body } }), 201);
}

const cartPath = (id: string) => ({ path: { id } });
const addItem = (id: string, body: { sku?: string; variant_id?: string; quantity: number }) => shop.POST('/v1/carts/{id}/items', { params: cartPath(id), body });
const setQuantity = (id: string, itemId: string, quantity: number) => shop.PATCH('/v1/carts/{id}/items/{item_id}', { params: { path: { id, item_id: itemId } }, body: { quantity } });
const setShipping = (id: string, optionId: string) => shop.POST('/v1/carts/{id}/shipping', { params: cartPath(id), body: { option_id: optionId } });

describe('carts', () => {
  it('creates a cart in the region currency, never cached', async () => {
    const res = await shop.POST('/v1/carts', { body: { region_id: store.regionId, currency: 'USD', email: 'shopper@example.com' } });
    const cart = ok(res, 201);
    expect(res.response.headers.get('cache-control')).toBe('private, no-store');
    expect(cart).toMatchObject({ object: 'cart', status: 'open', currency: 'USD', email: 'shopper@example.com', items: [], totals: { subtotal: 0, total: 0 } });
    expect(cart.id).toMatch(/^cart_/);
    const read = await shop.GET('/v1/carts/{id}', { params: cartPath(cart.id) });
    expect(read.response.headers.get('cache-control')).toBe('private, no-store');
    expect(ok(read)).toEqual(cart);
  });

  it('refuses a currency the region does not sell in, and an unknown region', async () => {
    const bad = problem(await shop.POST('/v1/carts', { body: { region_id: store.regionId, currency: 'EUR' } }), 422);
    expect(bad).toMatchObject({ code: 'currency_mismatch', errors: [{ pointer: '/currency' }] });
    const unknown = await shop.POST('/v1/carts', { body: { region_id: 'reg_nope' } });
    expect(unknown.error).toMatchObject({ code: 'unknown_region' });
  });

  it('adds items by sku or variant id, merges the same variant, and prices with exclusive tax', async () => {
    const cart = await newCart();
    ok(await addItem(cart.id, { sku: store.skus[0]!, quantity: 1 }), 200);
    const body = ok(await addItem(cart.id, { variant_id: store.variantIds[0]!, quantity: 1 }));
    expect(body.items).toHaveLength(1);
    // 2 × 2500; 8.875 % of 5000 = 443.75 → 444
    expect(body.items[0]).toMatchObject({ sku: store.skus[0], quantity: 2, unit_amount: 2500, subtotal: 5000, discount: 0, tax: 444, total: 5444 });
    expect(body.totals).toEqual({ subtotal: 5000, discount_total: 0, shipping_total: 0, shipping_discount_total: 0, tax_total: 444, tax_inclusive: false, total: 5444 });
  });

  it('changes and removes lines', async () => {
    const cart = await newCart({ items: [{ sku: store.skus[0]!, quantity: 1 }, { sku: store.skus[1]!, quantity: 3 }] });
    expect(cart.totals.subtotal).toBe(2500 + 2700);
    const line = cart.items[1]!;
    expect(ok(await setQuantity(cart.id, line.id, 1)).totals.subtotal).toBe(3400);
    const remove = () => shop.DELETE('/v1/carts/{id}/items/{item_id}', { params: { path: { id: cart.id, item_id: line.id } } });
    expect(ok(await remove()).items).toHaveLength(1);
    expect(problem(await remove(), 404).code).toBe('cart_item_not_found');
  });

  it('refuses unknown, unpublished and unpriced variants with a pointer', async () => {
    const cart = await newCart();
    const unknown = problem(await addItem(cart.id, { sku: 'NOPE', quantity: 1 }), 422);
    expect(unknown).toMatchObject({ code: 'variant_unavailable', errors: [{ pointer: '/sku' }] });
    const draft = ok(await admin.POST('/v1/products', { body: { title: 'Draft', variants: [{ sku: `DRAFT-${cart.id}`, prices: [{ currency: 'USD', amount: 100 }] }] } }));
    const res = await addItem(cart.id, { variant_id: draft.variants[0]!.id, quantity: 1 });
    expect(res.error).toMatchObject({ code: 'variant_unavailable', errors: [{ pointer: '/variant_id' }] });
    const eur = ok(await admin.POST('/v1/products', { body: { title: 'Euro only', status: 'published', variants: [{ sku: `EUR-${cart.id}`, prices: [{ currency: 'EUR', amount: 100 }] }] } }));
    const unpriced = await addItem(cart.id, { sku: eur.variants[0]!.sku, quantity: 1 });
    expect(unpriced.error?.detail).toMatch(/No price in USD/);
    problem(await addItem(cart.id, { sku: store.skus[0]!, variant_id: store.variantIds[0]!, quantity: 1 }), 422);
  });

  it('takes addresses only in the region, and e-mail', async () => {
    const cart = await newCart();
    const patch = (body: { email?: string; shipping_address?: typeof ADDRESS & { country: string } }) => shop.PATCH('/v1/carts/{id}', { params: cartPath(cart.id), body });
    const outside = problem(await patch({ shipping_address: { ...ADDRESS, country: country === 'ZZ' ? 'ZY' : 'ZZ' } }), 422);
    expect(outside).toMatchObject({ code: 'country_not_in_region', errors: [{ pointer: '/shipping_address/country' }] });
    expect(ok(await patch({ email: 'a@example.com', shipping_address: { ...ADDRESS, country } }))).toMatchObject({ email: 'a@example.com', shipping_address: { ...ADDRESS, country } });
    problem(await patch({ email: 'not-an-email' }), 422);
  });

  it('prices shipping: flat, free over a threshold, weight bands, and refuses what does not fit', async () => {
    const cart = await newCart({ items: [{ sku: store.skus[0]!, quantity: 1 }] });
    const item = cart.items[0]!.id;
    const options = ok(await shop.GET('/v1/carts/{id}/shipping_options', { params: cartPath(cart.id) }));
    // 1 × 400 g: the first weight band
    expect(options.data).toEqual([
      { id: store.flatId, object: 'cart_shipping_option', name: 'Standard', amount: 500 },
      { id: store.weightId, object: 'cart_shipping_option', name: 'By weight', amount: 700 },
    ]);
    let res = ok(await setShipping(cart.id, store.flatId));
    // 2500 + 222 tax + 500 shipping + 44 tax on shipping
    expect(res.totals).toMatchObject({ subtotal: 2500, shipping_total: 500, tax_total: 266, total: 3266 });
    expect(res.shipping_method).toEqual({ option_id: store.flatId, name: 'Standard', amount: 500 });

    res = ok(await setQuantity(cart.id, item, 4));
    // 10000 reaches the free-over threshold
    expect(res.totals).toMatchObject({ subtotal: 10_000, shipping_total: 0, tax_total: 888, total: 10_888 });

    res = ok(await setShipping(cart.id, store.weightId));
    expect(res.shipping_method!.amount).toBe(1500); // 1600 g: second band

    res = ok(await setQuantity(cart.id, item, 20));
    expect(res.shipping_method).toBeNull(); // 8 kg: no band fits any more
    const heavy = problem(await setShipping(cart.id, store.weightId), 422);
    expect(heavy).toMatchObject({ code: 'shipping_option_unavailable', errors: [{ pointer: '/option_id' }] });
  });

  it('prices tax-inclusive regions and category overrides', async () => {
    const food = ok(await admin.POST('/v1/categories', { body: { name: 'Food', handle: `food-${store.regionId.slice(-6)}` } }));
    const c = freshCountry();
    const region = ok(await admin.POST('/v1/regions', { body: { name: 'VAT land', currency: 'USD', countries: [c], tax_rate: 20, tax_inclusive: true, tax_overrides: [{ category_id: food.id, tax_rate: 5 }] } }));
    ok(await admin.POST('/v1/regions/{id}/shipping_options', { params: { path: { id: region.id } }, body: { name: 'Post', price: { type: 'flat', amount: 500 } } }));
    const bread = ok(await admin.POST('/v1/products', { body: { title: 'Bread', status: 'published', category_ids: [food.id], variants: [{ sku: `BREAD-${c}`, prices: [{ currency: 'USD', amount: 210 }] }] } }));
    const cart = ok(await shop.POST('/v1/carts', { body: { region_id: region.id, items: [{ sku: store.skus[1]!, quantity: 1 }, { sku: bread.variants[0]!.sku, quantity: 1 }] } }));
    // 900 at 20 % inclusive: 900 − round(900 / 1.2) = 150; 210 at 5 %: 210 − round(200) = 10
    expect(cart.items.map((i) => i.tax)).toEqual([150, 10]);
    expect(cart.totals).toMatchObject({ subtotal: 1110, tax_total: 160, tax_inclusive: true, total: 1110 });
  });

  it('expires idle carts with 410', async () => {
    const cart = await newCart();
    await t.db.forEnv('test').query("UPDATE carts SET expires_at = now() - interval '1 second' WHERE id = $1", [cart.id]);
    expect(problem(await shop.GET('/v1/carts/{id}', { params: cartPath(cart.id) }), 410).code).toBe('cart_expired');
    problem(await addItem(cart.id, { sku: store.skus[0]!, quantity: 1 }), 410);
  });

  it('extends the expiry on every change', async () => {
    const cart = await newCart();
    await t.db.forEnv('test').query("UPDATE carts SET expires_at = now() + interval '1 minute' WHERE id = $1", [cart.id]);
    const res = ok(await addItem(cart.id, { sku: store.skus[0]!, quantity: 1 }));
    expect(new Date(res.expires_at).getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
  });

  it('keeps test carts away from live keys', async () => {
    const cart = await newCart();
    problem(await api(t, t.keys.liveSecret).GET('/v1/carts/{id}', { params: cartPath(cart.id) }), 404);
  });

  it('holds at most 10000 units per line and 100 lines, even under concurrent adds', async () => {
    const cart = await newCart({ items: [{ sku: store.skus[0]!, quantity: 9_999 }] });
    const over = problem(await addItem(cart.id, { sku: store.skus[0]!, quantity: 2 }), 422);
    expect(over).toMatchObject({ code: 'too_many_items', errors: [{ pointer: '/quantity' }] });
    const twice = await shop.POST('/v1/carts', { body: { region_id: store.regionId, items: [{ sku: store.skus[0]!, quantity: 6000 }, { sku: store.skus[0]!, quantity: 6000 }] } });
    expect(problem(twice, 422).code).toBe('too_many_items');

    const skus: string[] = [];
    for (let i = 0; i < 104; i += 8) {
      const made = await Promise.all(
        Array.from({ length: 8 }, (_, j) => admin.POST('/v1/products', { body: { title: `Line ${i + j}`, status: 'published', variants: [{ sku: `LINE-${cart.id.slice(-8)}-${i + j}`, prices: [{ currency: 'USD', amount: 100 }] }] } })),
      );
      skus.push(...made.map((r) => ok(r).variants[0]!.sku));
    }
    const big = await newCart({ items: skus.slice(0, 95).map((sku) => ({ sku, quantity: 1 })) });
    const adds = await Promise.all(skus.slice(95).map((sku) => addItem(big.id, { sku, quantity: 1 })));
    expect(adds.filter((r) => r.response.status === 200)).toHaveLength(5);
    for (const r of adds.filter((x) => x.response.status !== 200)) expect(r.error?.code).toBe('too_many_items');
    expect(ok(await shop.GET('/v1/carts/{id}', { params: cartPath(big.id) })).items).toHaveLength(100);
  });
});
