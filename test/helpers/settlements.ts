import crypto from 'node:crypto';
import { expect } from 'vitest';
import { adapterFor } from '../../src/modules/fulfillment/index.js';
import type { TestApp } from './app.js';
import { ADDRESS, createStore, freshCountry, tag, type Store } from './commerce.js';

/** A store to sell in (its region, shipping option and stock location) and the country it ships to. */
export interface Market {
  store: Store;
  country: string;
}

export async function createMarket(t: TestApp): Promise<Market> {
  const country = freshCountry();
  return { store: await createStore(t, { country, prices: [1000], stock: 100 }), country };
}

async function ok<T>(t: TestApp, method: string, url: string, body?: unknown, status = 200, headers?: Record<string, string>): Promise<T> {
  const res = await t.call(method, url, { body, ...(headers ? { headers } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json<T>();
}

/** An active seller (operator routes), its id. */
export async function createSeller(t: TestApp, name = `Seller ${tag()}`): Promise<string> {
  const seller = await ok<{ id: string }>(t, 'POST', '/v1/sellers', { name, email: 'ops@seller.example' }, 201);
  await ok(t, 'POST', `/v1/sellers/${seller.id}/activate`);
  return seller.id;
}

/** A restricted key of the seller, with the default seller scopes. */
export async function sellerKey(t: TestApp, sellerId: string): Promise<string> {
  return (await ok<{ secret: string }>(t, 'POST', `/v1/sellers/${sellerId}/keys`, {}, 201)).secret;
}

/** A published product of the seller at `price` (USD), with stock at the market's location; its SKU. */
export async function sellerProduct(t: TestApp, market: Market, sellerId: string, price: number): Promise<string> {
  const sku = `SKU-${tag()}`;
  await ok(t, 'POST', '/v1/products', { title: `Item ${sku}`, status: 'published', seller_id: sellerId, variants: [{ sku, weight_grams: 400, prices: [{ currency: 'USD', amount: price }] }] }, 201);
  await ok(t, 'PUT', `/v1/stock_locations/${market.store.locationId}/levels/${sku}`, { on_hand: 1000 });
  return sku;
}

export interface PlacedOrder {
  id: string;
  totals: { total: number };
  lines: { id: string; sku: string; quantity: number }[];
}

/** Checks out a cart of `items` (paid at once: automatic capture), then lets the seller orders and their sales be posted. */
export async function buy(t: TestApp, market: Market, items: { sku: string; quantity?: number }[]): Promise<PlacedOrder> {
  const key = t.keys.publishable;
  const call = async <T>(method: string, url: string, body: unknown, status = 200, headers?: Record<string, string>) => {
    const res = await t.call(method, url, { key, body, ...(headers ? { headers } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.json<T>();
  };
  const cart = await call<{ id: string }>('POST', '/v1/carts', { region_id: market.store.regionId, items: items.map((i) => ({ sku: i.sku, quantity: i.quantity ?? 1 })) }, 201);
  await call('PATCH', `/v1/carts/${cart.id}`, { email: 'ada@example.com', shipping_address: { ...ADDRESS, country: market.country } });
  await call('POST', `/v1/carts/${cart.id}/shipping`, { option_id: market.store.flatId });
  const order = await call<PlacedOrder>('POST', `/v1/carts/${cart.id}/checkout`, { payment: { token: 'tok_visa' } }, 201, { 'idempotency-key': crypto.randomUUID() });
  await drain(t);
  return order;
}

/** Runs the dispatcher until the outbox is empty (seller orders, then their sales, then refunds). */
export async function drain(t: TestApp): Promise<void> {
  for (let i = 0; i < 3; i++) await t.modules.dispatcher.drain();
}

export interface SellerOrderRow {
  id: string;
  seller_id: string;
  goods_amount: number;
  shipping_amount: number;
  shipping_payee: 'seller' | 'platform';
  commission_amount: number;
  amount_refunded: number;
}

/** The seller orders of an order (operator read). */
export async function sellerOrdersOf(t: TestApp, orderId: string): Promise<SellerOrderRow[]> {
  const list = await ok<{ data: SellerOrderRow[] }>(t, 'GET', `/v1/seller_orders?order_id=${orderId}&limit=100`);
  return list.data.sort((a, b) => (a.seller_id < b.seller_id ? -1 : 1));
}

/** What a seller order leaves the seller before refunds: goods − commission (+ shipping they ship). */
export function netOf(so: SellerOrderRow): number {
  return so.goods_amount - so.commission_amount + (so.shipping_payee === 'seller' ? so.shipping_amount : 0);
}

/**
 * Delivers an order for real: ships all its lines (UPS), then UPS reports the parcel delivered at
 * `at` through its signed webhook; the seller orders' subscriber sets their `delivered_at` from it.
 */
export async function shipAndDeliver(t: TestApp, market: Market, order: PlacedOrder, at: Date): Promise<void> {
  const trackingNumber = `1Z${tag()}`;
  const shipment = await t.call('POST', `/v1/orders/${order.id}/shipments`, {
    body: { carrier: 'ups', location_id: market.store.locationId, tracking_number: trackingNumber, lines: order.lines.map((l) => ({ line_id: l.id, quantity: l.quantity })) },
  });
  expect(shipment.statusCode, shipment.body).toBe(201);
  const adapter = adapterFor('ups')!;
  const body = adapter.render([{ trackingNumber, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at, scanId: `ups-${trackingNumber}-D`, location: 'Louisville, US' }]);
  const headers = adapter.sign(body, t.modules.fulfillment.intake.secretFor('test', 'ups')!, new Date());
  const res = await t.app.inject({ method: 'POST', url: '/v1/carriers/ups/webhooks', headers: { ...headers, 'content-type': 'application/json' }, payload: body });
  expect(res.statusCode, res.body).toBe(202);
  await t.modules.fulfillment.intake.drain();
  await drain(t);
}

export interface RunBody {
  id: string;
  period: string;
  released_count: number;
  payouts: { id: string; seller_id: string; seller_name: string | null; currency: string; amount: number; entries_count: number; status: string }[];
  totals: { currency: string; payouts: number; amount: number }[];
  findings: unknown[];
}

/** POST /v1/settlements/runs; the status code and the run. */
export async function settle(t: TestApp, period?: string): Promise<{ status: number; run: RunBody }> {
  const res = await t.call('POST', '/v1/settlements/runs', { body: period ? { period } : {}, headers: { 'idempotency-key': crypto.randomUUID() } });
  expect([200, 201], res.body).toContain(res.statusCode);
  return { status: res.statusCode, run: res.json<RunBody>() };
}

export async function balanceOf(t: TestApp, sellerId: string): Promise<{ currency: string; pending: number; available: number }[]> {
  return (await ok<{ balances: { currency: string; pending: number; available: number }[] }>(t, 'GET', `/v1/sellers/${sellerId}/balance`)).balances;
}

export const DAY = 86_400_000;
