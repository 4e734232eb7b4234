import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyHeader, TESSERA_VERSION, type Problem, type Schema, type TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { freshCountry, tag } from './helpers/commerce.js';
import { listen, ok, sdk } from './helpers/sdk.js';

/**
 * A store set up and a storefront checkout, end to end over HTTP with the generated SDK (sdk/).
 * Paths, bodies and the fields read below are typed from the OpenAPI document: if the API changes
 * shape, `npm run sdk` regenerates the types and this file stops compiling.
 */
let t: TestApp;
let admin: TesseraClient;
let storefront: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  const baseUrl = await listen(t);
  admin = sdk(t, baseUrl, t.keys.secret);
  storefront = sdk(t, baseUrl, t.keys.publishable);
});
afterAll(() => t.close());

async function setUpStore(country: string) {
  const id = tag();
  const region = ok(await admin.POST('/v1/regions', { body: { name: `Region ${id}`, currency: 'USD', countries: [country], tax_rate: 10, capture_method: 'automatic' } }));
  const flat = ok(
    await admin.POST('/v1/regions/{id}/shipping_options', { params: { path: { id: region.id } }, body: { name: 'Standard', price: { type: 'flat', amount: 500 }, free_over_amount: 10_000 } }),
  );
  const location = ok(await admin.POST('/v1/stock_locations', { body: { name: `Warehouse ${id}` } }));
  const sku = `SKU-${id}`;
  const product = ok(
    await admin.POST('/v1/products', { body: { title: `Lamp ${id}`, status: 'published', variants: [{ sku, weight_grams: 400, prices: [{ currency: 'USD', amount: 2500 }] }] } }),
  );
  const level = ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: location.id, sku } }, body: { on_hand: 10 } }));
  expect(level.available).toBe(10);
  return { region, flat, sku, variantId: product.variants[0]!.id };
}

describe('storefront checkout through the SDK', () => {
  it('creates a cart, adds items, picks shipping, checks out once per Idempotency-Key, and reads the order', async () => {
    const country = freshCountry();
    const store = await setUpStore(country);

    const created = await storefront.POST('/v1/carts', { body: { region_id: store.region.id, items: [{ sku: store.sku, quantity: 1 }] } });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('tessera-version')).toBe(TESSERA_VERSION);
    let cart: Schema<'Cart'> = ok(created);
    cart = ok(await storefront.POST('/v1/carts/{id}/items', { params: { path: { id: cart.id } }, body: { variant_id: store.variantId, quantity: 1 } }));
    expect(cart.items).toEqual([expect.objectContaining({ sku: store.sku, quantity: 2, unit_amount: 2500, subtotal: 5000, tax: 500 })]);
    cart = ok(
      await storefront.PATCH('/v1/carts/{id}', {
        params: { path: { id: cart.id } },
        body: { email: 'ada@example.com', shipping_address: { name: 'Ada Lovelace', line1: '1 Main St', city: 'Springfield', postal_code: '12345', country } },
      }),
    );
    const options = ok(await storefront.GET('/v1/carts/{id}/shipping_options', { params: { path: { id: cart.id } } }));
    expect(options.data.map((o) => [o.id, o.amount])).toEqual([[store.flat.id, 500]]);
    cart = ok(await storefront.POST('/v1/carts/{id}/shipping', { params: { path: { id: cart.id } }, body: { option_id: store.flat.id } }));
    expect(cart.totals).toMatchObject({ subtotal: 5000, discount_total: 0, shipping_total: 500, tax_inclusive: false });
    expect(cart.totals.total).toBe(5000 + 500 + cart.totals.tax_total);

    // One key, two submissions: one order, the second a replay.
    const headers = idempotencyHeader();
    const first = await storefront.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } }, headers });
    const replay = await storefront.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } }, headers });
    const order: Schema<'Order'> = ok(first);
    expect(first.response.status).toBe(201);
    expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
    expect(ok(replay).id).toBe(order.id);
    expect(order).toMatchObject({ status: 'paid', cart_id: cart.id, email: 'ada@example.com', totals: cart.totals });

    // A new key for a completed cart: a typed problem, not a second order.
    const again = await storefront.POST('/v1/carts/{id}/checkout', { params: { path: { id: cart.id } }, body: { payment: { token: 'tok_visa' } } });
    const problem: Problem | undefined = again.error;
    expect(again.response.status).toBe(409);
    expect(again.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problem?.code).toBe('cart_already_completed');

    const read = ok(await admin.GET('/v1/orders/{id}', { params: { path: { id: order.id } } }));
    expect(read.lines.map((l) => [l.sku, l.quantity, l.subtotal])).toEqual([[store.sku, 2, 5000]]);
    expect(read.totals).toEqual(cart.totals);
    const payment = ok(await admin.GET('/v1/payments/{id}', { params: { path: { id: read.payment_id! } } }));
    expect(payment).toMatchObject({ status: 'succeeded', amount_captured: cart.totals.total });

    // The storefront key cannot read orders: its problem is typed as well.
    const refused = await storefront.GET('/v1/orders/{id}', { params: { path: { id: order.id } } });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe('insufficient_scope');
  });
});
