import crypto from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { ADDRESS, tag } from './commerce.js';

/** The scopes the seller keys of the marketplace suites get. */
export const SELLER_SCOPES = ['seller_orders:read', 'orders:write', 'webhooks:write', 'catalog:write'];

export interface TestSeller {
  id: string;
  key: string;
}

/** An API call that must answer `status`; returns the JSON body. */
export async function ok<T = Record<string, unknown>>(t: TestApp, method: string, url: string, opts: { body?: unknown; key?: string } = {}, status = 200): Promise<T> {
  const res = await t.call(method, url, opts);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json<T>();
}

/** An active seller (optionally with its own commission terms) and a seller key of it. */
export async function createSeller(t: TestApp, opts: { commission?: Record<string, unknown>; scopes?: string[] } = {}): Promise<TestSeller> {
  const name = `Seller ${tag()}`;
  const seller = await ok<{ id: string }>(t, 'POST', '/v1/sellers', { body: { name, email: `${name.replace(/\W/g, '').toLowerCase()}@example.com`, ...(opts.commission ? { commission: opts.commission } : {}) } }, 201);
  await ok(t, 'POST', `/v1/sellers/${seller.id}/activate`);
  const key = await ok<{ secret: string }>(t, 'POST', `/v1/sellers/${seller.id}/keys`, { body: { scopes: opts.scopes ?? SELLER_SCOPES } }, 201);
  return { id: seller.id, key: key.secret };
}

/** A published product of `sellerId` (null: the platform's own), with stock at `locationId`; returns its SKU. */
export async function sellerProduct(t: TestApp, opts: { sellerId: string | null; price: number; locationId: string; categoryIds?: string[] }): Promise<{ sku: string; productId: string }> {
  const sku = `SKU-${tag()}`;
  const product = await ok<{ id: string }>(
    t,
    'POST',
    '/v1/products',
    {
      body: {
        title: `Item ${sku}`,
        status: 'published',
        ...(opts.sellerId ? { seller_id: opts.sellerId } : {}),
        ...(opts.categoryIds ? { category_ids: opts.categoryIds } : {}),
        variants: [{ sku, weight_grams: 400, prices: [{ currency: 'USD', amount: opts.price }] }],
      },
    },
    201,
  );
  await ok(t, 'PUT', `/v1/stock_locations/${opts.locationId}/levels/${sku}`, { body: { on_hand: 100 } });
  return { sku, productId: product.id };
}

export interface PlacedOrder {
  id: string;
  status: string;
  lines: { id: string; sku: string; seller_id: string | null; quantity: number; quantity_fulfilled: number }[];
}

/** Checks out a cart of these SKUs (flat shipping) with the publishable key; returns the order. */
export async function placeOrder(t: TestApp, store: { regionId: string; flatId: string }, country: string, items: { sku: string; quantity: number }[]): Promise<PlacedOrder> {
  const key = t.keys.publishable;
  const cart = await ok<{ id: string }>(t, 'POST', '/v1/carts', { key, body: { region_id: store.regionId, items } }, 201);
  await ok(t, 'PATCH', `/v1/carts/${cart.id}`, { key, body: { email: 'ada@example.com', shipping_address: { ...ADDRESS, country } } });
  await ok(t, 'POST', `/v1/carts/${cart.id}/shipping`, { key, body: { option_id: store.flatId } });
  const res = await t.call('POST', `/v1/carts/${cart.id}/checkout`, { key, body: { payment: { token: 'tok_visa' } }, headers: { 'idempotency-key': crypto.randomUUID() } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<PlacedOrder>();
}

let n = 0;
/** A fresh UPS tracking number. */
export const trackingNumber = () => `1Z${Date.now()}${++n}`;
