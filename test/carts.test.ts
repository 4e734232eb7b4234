import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ADDRESS, createStore, freshCountry, type Store } from './helpers/commerce.js';

let t: TestApp;
let store: Store;
let country: string;
beforeAll(async () => {
  t = await startTestApp();
  country = freshCountry();
  store = await createStore(t, { country, prices: [2500, 900] });
});
afterAll(() => t.close());

async function newCart(body: Record<string, unknown> = {}) {
  const res = await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: store.regionId, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('carts', () => {
  it('creates a cart in the region currency, never cached', async () => {
    const res = await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: store.regionId, currency: 'USD', email: 'shopper@example.com' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('private, no-store');
    const cart = res.json();
    expect(cart).toMatchObject({ object: 'cart', status: 'open', currency: 'USD', email: 'shopper@example.com', items: [], totals: { subtotal: 0, total: 0 } });
    expect(cart.id).toMatch(/^cart_/);
    const read = await t.call('GET', `/v1/carts/${cart.id}`, { key: t.keys.publishable });
    expect(read.headers['cache-control']).toBe('private, no-store');
    expect(read.json()).toEqual(cart);
  });

  it('refuses a currency the region does not sell in, and an unknown region', async () => {
    const bad = await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: store.regionId, currency: 'EUR' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'currency_mismatch', errors: [{ pointer: '/currency' }] });
    const unknown = await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: 'reg_nope' } });
    expect(unknown.json()).toMatchObject({ code: 'unknown_region' });
  });

  it('adds items by sku or variant id, merges the same variant, and prices with exclusive tax', async () => {
    const cart = await newCart();
    let res = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { sku: store.skus[0], quantity: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    res = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { variant_id: store.variantIds[0], quantity: 1 } });
    const body = res.json();
    expect(body.items).toHaveLength(1);
    // 2 × 2500; 8.875 % of 5000 = 443.75 → 444
    expect(body.items[0]).toMatchObject({ sku: store.skus[0], quantity: 2, unit_amount: 2500, subtotal: 5000, discount: 0, tax: 444, total: 5444 });
    expect(body.totals).toEqual({ subtotal: 5000, discount_total: 0, shipping_total: 0, shipping_discount_total: 0, tax_total: 444, tax_inclusive: false, total: 5444 });
  });

  it('changes and removes lines', async () => {
    const cart = await newCart({ items: [{ sku: store.skus[0], quantity: 1 }, { sku: store.skus[1], quantity: 3 }] });
    expect(cart.totals.subtotal).toBe(2500 + 2700);
    const line = cart.items[1];
    const patched = await t.call('PATCH', `/v1/carts/${cart.id}/items/${line.id}`, { key: t.keys.publishable, body: { quantity: 1 } });
    expect(patched.json().totals.subtotal).toBe(3400);
    const removed = await t.call('DELETE', `/v1/carts/${cart.id}/items/${line.id}`, { key: t.keys.publishable });
    expect(removed.json().items).toHaveLength(1);
    const again = await t.call('DELETE', `/v1/carts/${cart.id}/items/${line.id}`, { key: t.keys.publishable });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('cart_item_not_found');
  });

  it('refuses unknown, unpublished and unpriced variants with a pointer', async () => {
    const cart = await newCart();
    const unknown = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { sku: 'NOPE', quantity: 1 } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'variant_unavailable', errors: [{ pointer: '/sku' }] });
    const draft = (await t.call('POST', '/v1/products', { body: { title: 'Draft', variants: [{ sku: `DRAFT-${cart.id}`, prices: [{ currency: 'USD', amount: 100 }] }] } })).json();
    const res = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { variant_id: draft.variants[0].id, quantity: 1 } });
    expect(res.json()).toMatchObject({ code: 'variant_unavailable', errors: [{ pointer: '/variant_id' }] });
    const eur = (await t.call('POST', '/v1/products', { body: { title: 'Euro only', status: 'published', variants: [{ sku: `EUR-${cart.id}`, prices: [{ currency: 'EUR', amount: 100 }] }] } })).json();
    const unpriced = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { sku: eur.variants[0].sku, quantity: 1 } });
    expect(unpriced.json().detail).toMatch(/No price in USD/);
    const both = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { sku: store.skus[0], variant_id: store.variantIds[0], quantity: 1 } });
    expect(both.statusCode).toBe(422);
  });

  it('takes addresses only in the region, and e-mail', async () => {
    const cart = await newCart();
    const outside = await t.call('PATCH', `/v1/carts/${cart.id}`, { key: t.keys.publishable, body: { shipping_address: { ...ADDRESS, country: country === 'ZZ' ? 'ZY' : 'ZZ' } } });
    expect(outside.statusCode).toBe(422);
    expect(outside.json()).toMatchObject({ code: 'country_not_in_region', errors: [{ pointer: '/shipping_address/country' }] });
    const ok = await t.call('PATCH', `/v1/carts/${cart.id}`, { key: t.keys.publishable, body: { email: 'a@example.com', shipping_address: { ...ADDRESS, country } } });
    expect(ok.json()).toMatchObject({ email: 'a@example.com', shipping_address: { ...ADDRESS, country } });
    const badEmail = await t.call('PATCH', `/v1/carts/${cart.id}`, { key: t.keys.publishable, body: { email: 'not-an-email' } });
    expect(badEmail.statusCode).toBe(422);
  });

  it('prices shipping: flat, free over a threshold, weight bands, and refuses what does not fit', async () => {
    const cart = await newCart({ items: [{ sku: store.skus[0], quantity: 1 }] });
    const options = (await t.call('GET', `/v1/carts/${cart.id}/shipping_options`, { key: t.keys.publishable })).json();
    // 1 × 400 g: the first weight band
    expect(options.data).toEqual([
      { id: store.flatId, object: 'cart_shipping_option', name: 'Standard', amount: 500 },
      { id: store.weightId, object: 'cart_shipping_option', name: 'By weight', amount: 700 },
    ]);
    let res = await t.call('POST', `/v1/carts/${cart.id}/shipping`, { key: t.keys.publishable, body: { option_id: store.flatId } });
    // 2500 + 222 tax + 500 shipping + 44 tax on shipping
    expect(res.json().totals).toMatchObject({ subtotal: 2500, shipping_total: 500, tax_total: 266, total: 3266 });
    expect(res.json().shipping_method).toEqual({ option_id: store.flatId, name: 'Standard', amount: 500 });

    res = await t.call('PATCH', `/v1/carts/${cart.id}/items/${cart.items[0].id}`, { key: t.keys.publishable, body: { quantity: 4 } });
    // 10000 reaches the free-over threshold
    expect(res.json().totals).toMatchObject({ subtotal: 10_000, shipping_total: 0, tax_total: 888, total: 10_888 });

    res = await t.call('POST', `/v1/carts/${cart.id}/shipping`, { key: t.keys.publishable, body: { option_id: store.weightId } });
    expect(res.json().shipping_method.amount).toBe(1500); // 1600 g: second band

    res = await t.call('PATCH', `/v1/carts/${cart.id}/items/${cart.items[0].id}`, { key: t.keys.publishable, body: { quantity: 20 } });
    expect(res.json().shipping_method).toBeNull(); // 8 kg: no band fits any more
    const heavy = await t.call('POST', `/v1/carts/${cart.id}/shipping`, { key: t.keys.publishable, body: { option_id: store.weightId } });
    expect(heavy.statusCode).toBe(422);
    expect(heavy.json()).toMatchObject({ code: 'shipping_option_unavailable', errors: [{ pointer: '/option_id' }] });
  });

  it('prices tax-inclusive regions and category overrides', async () => {
    const food = (await t.call('POST', '/v1/categories', { body: { name: 'Food', handle: `food-${store.regionId.slice(-6)}` } })).json();
    const c = freshCountry();
    const region = (await t.call('POST', '/v1/regions', { body: { name: 'VAT land', currency: 'USD', countries: [c], tax_rate: 20, tax_inclusive: true, tax_overrides: [{ category_id: food.id, tax_rate: 5 }] } })).json();
    await t.call('POST', `/v1/regions/${region.id}/shipping_options`, { body: { name: 'Post', price: { type: 'flat', amount: 500 } } });
    const bread = (await t.call('POST', '/v1/products', { body: { title: 'Bread', status: 'published', category_ids: [food.id], variants: [{ sku: `BREAD-${c}`, prices: [{ currency: 'USD', amount: 210 }] }] } })).json();
    const cart = (await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: region.id, items: [{ sku: store.skus[1], quantity: 1 }, { sku: bread.variants[0].sku, quantity: 1 }] } })).json();
    // 900 at 20 % inclusive: 900 − round(900 / 1.2) = 150; 210 at 5 %: 210 − round(200) = 10
    expect(cart.items.map((i: { tax: number }) => i.tax)).toEqual([150, 10]);
    expect(cart.totals).toMatchObject({ subtotal: 1110, tax_total: 160, tax_inclusive: true, total: 1110 });
  });

  it('expires idle carts with 410', async () => {
    const cart = await newCart();
    await t.db.forEnv('test').query("UPDATE carts SET expires_at = now() - interval '1 second' WHERE id = $1", [cart.id]);
    const res = await t.call('GET', `/v1/carts/${cart.id}`, { key: t.keys.publishable });
    expect(res.statusCode).toBe(410);
    expect(res.json().code).toBe('cart_expired');
    expect((await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { sku: store.skus[0], quantity: 1 } })).statusCode).toBe(410);
  });

  it('extends the expiry on every change', async () => {
    const cart = await newCart();
    await t.db.forEnv('test').query("UPDATE carts SET expires_at = now() + interval '1 minute' WHERE id = $1", [cart.id]);
    const res = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { sku: store.skus[0], quantity: 1 } });
    expect(new Date(res.json().expires_at).getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
  });

  it('keeps test carts away from live keys', async () => {
    const cart = await newCart();
    expect((await t.call('GET', `/v1/carts/${cart.id}`, { key: t.keys.liveSecret })).statusCode).toBe(404);
  });

  it('holds at most 10000 units per line and 100 lines, even under concurrent adds', async () => {
    const cart = await newCart({ items: [{ sku: store.skus[0], quantity: 9_999 }] });
    const over = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { sku: store.skus[0], quantity: 2 } });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ code: 'too_many_items', errors: [{ pointer: '/quantity' }] });
    const twice = await t.call('POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: store.regionId, items: [{ sku: store.skus[0], quantity: 6000 }, { sku: store.skus[0], quantity: 6000 }] } });
    expect(twice.statusCode).toBe(422);
    expect(twice.json().code).toBe('too_many_items');

    const skus: string[] = [];
    for (let i = 0; i < 104; i += 8) {
      const made = await Promise.all(
        Array.from({ length: 8 }, (_, j) => t.call('POST', '/v1/products', { body: { title: `Line ${i + j}`, status: 'published', variants: [{ sku: `LINE-${cart.id.slice(-8)}-${i + j}`, prices: [{ currency: 'USD', amount: 100 }] }] } })),
      );
      skus.push(...made.map((r) => r.json().variants[0].sku as string));
    }
    const big = await newCart({ items: skus.slice(0, 95).map((sku) => ({ sku, quantity: 1 })) });
    const adds = await Promise.all(skus.slice(95).map((sku) => t.call('POST', `/v1/carts/${big.id}/items`, { key: t.keys.publishable, body: { sku, quantity: 1 } })));
    expect(adds.filter((r) => r.statusCode === 200)).toHaveLength(5);
    for (const r of adds.filter((x) => x.statusCode !== 200)) expect(r.json().code).toBe('too_many_items');
    expect((await t.call('GET', `/v1/carts/${big.id}`, { key: t.keys.publishable })).json().items).toHaveLength(100);
  });
});
