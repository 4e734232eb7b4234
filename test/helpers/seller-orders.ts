import type { Schema } from '../../sdk/index.js';
import type { TestApp } from './app.js';
import { ADDRESS, tag } from './commerce.js';
import { api, checkout, ok } from './sdk.js';

/** The scopes the seller keys of the marketplace suites get. */
export const SELLER_SCOPES = ['seller_orders:read', 'orders:write', 'webhooks:write', 'catalog:write'];

export interface TestSeller {
  id: string;
  key: string;
}

/** An active seller (optionally with its own commission terms) and a seller key of it. */
export async function createSeller(t: TestApp, opts: { commission?: Schema<'Seller'>['commission']; scopes?: string[] } = {}): Promise<TestSeller> {
  const admin = api(t);
  const name = `Seller ${tag()}`;
  const seller = ok(await admin.POST('/v1/sellers', { body: { name, email: `${name.replace(/\W/g, '').toLowerCase()}@example.com`, ...(opts.commission ? { commission: opts.commission } : {}) } }), 201);
  const path = { path: { id: seller.id } };
  ok(await admin.POST('/v1/sellers/{id}/activate', { params: path }));
  const key = ok(await admin.POST('/v1/sellers/{id}/keys', { params: path, body: { scopes: opts.scopes ?? SELLER_SCOPES } }), 201);
  return { id: seller.id, key: key.secret };
}

/** A published product of `sellerId` (null: the platform's own), with stock at `locationId`; returns its SKU. */
export async function sellerProduct(t: TestApp, opts: { sellerId: string | null; price: number; locationId: string; categoryIds?: string[] }): Promise<{ sku: string; productId: string }> {
  const admin = api(t);
  const sku = `SKU-${tag()}`;
  const product = ok(
    await admin.POST('/v1/products', {
      body: {
        title: `Item ${sku}`,
        status: 'published',
        ...(opts.sellerId ? { seller_id: opts.sellerId } : {}),
        ...(opts.categoryIds ? { category_ids: opts.categoryIds } : {}),
        variants: [{ sku, weight_grams: 400, prices: [{ currency: 'USD', amount: opts.price }] }],
      },
    }),
    201,
  );
  ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: opts.locationId, sku } }, body: { on_hand: 100 } }));
  return { sku, productId: product.id };
}

export type PlacedOrder = Schema<'Order'>;

/** Checks out a cart of these SKUs (flat shipping) with the publishable key; returns the order. */
export async function placeOrder(t: TestApp, store: { regionId: string; flatId: string }, country: string, items: { sku: string; quantity: number }[]): Promise<PlacedOrder> {
  const shop = api(t, t.keys.publishable);
  const cart = ok(await shop.POST('/v1/carts', { body: { region_id: store.regionId, items } }), 201);
  const path = { path: { id: cart.id } };
  ok(await shop.PATCH('/v1/carts/{id}', { params: path, body: { email: 'ada@example.com', shipping_address: { ...ADDRESS, country } } }));
  ok(await shop.POST('/v1/carts/{id}/shipping', { params: path, body: { option_id: store.flatId } }));
  return ok(await checkout(shop, cart.id), 201);
}

let n = 0;
/** A fresh UPS tracking number. */
export const trackingNumber = () => `1Z${Date.now()}${++n}`;
