import { expect } from 'vitest';
import { adapterFor } from '../../src/modules/fulfillment/index.js';
import type { Schema } from '../../sdk/index.js';
import type { TestApp } from './app.js';
import { ADDRESS, createStore, freshCountry, tag, type Store } from './commerce.js';
import { api, checkout, ok } from './sdk.js';

/** A store to sell in (its region, shipping option and stock location) and the country it ships to. */
export interface Market {
  store: Store;
  country: string;
}

export async function createMarket(t: TestApp): Promise<Market> {
  const country = freshCountry();
  return { store: await createStore(t, { country, prices: [1000], stock: 100 }), country };
}

const byId = (id: string) => ({ params: { path: { id } } });

/** An active seller (operator routes), its id. */
export async function createSeller(t: TestApp, name = `Seller ${tag()}`): Promise<string> {
  const admin = api(t);
  const seller = ok(await admin.POST('/v1/sellers', { body: { name, email: 'ops@seller.example' } }), 201);
  ok(await admin.POST('/v1/sellers/{id}/activate', byId(seller.id)));
  return seller.id;
}

/** A restricted key of the seller, with the default seller scopes. */
export async function sellerKey(t: TestApp, sellerId: string): Promise<string> {
  return ok(await api(t).POST('/v1/sellers/{id}/keys', { ...byId(sellerId), body: {} }), 201).secret;
}

/** A published product of the seller at `price` (USD), with stock at the market's location; its SKU. */
export async function sellerProduct(t: TestApp, market: Market, sellerId: string, price: number): Promise<string> {
  const admin = api(t);
  const sku = `SKU-${tag()}`;
  ok(await admin.POST('/v1/products', { body: { title: `Item ${sku}`, status: 'published', seller_id: sellerId, variants: [{ sku, weight_grams: 400, prices: [{ currency: 'USD', amount: price }] }] } }), 201);
  ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: market.store.locationId, sku } }, body: { on_hand: 1000 } }));
  return sku;
}

export type PlacedOrder = Schema<'Order'>;

/** Checks out a cart of `items` (paid at once: automatic capture), then lets the seller orders and their sales be posted. */
export async function buy(t: TestApp, market: Market, items: { sku: string; quantity?: number }[]): Promise<PlacedOrder> {
  const shop = api(t, t.keys.publishable);
  const cart = ok(await shop.POST('/v1/carts', { body: { region_id: market.store.regionId, items: items.map((i) => ({ sku: i.sku, quantity: i.quantity ?? 1 })) } }), 201);
  ok(await shop.PATCH('/v1/carts/{id}', { ...byId(cart.id), body: { email: 'ada@example.com', shipping_address: { ...ADDRESS, country: market.country } } }));
  ok(await shop.POST('/v1/carts/{id}/shipping', { ...byId(cart.id), body: { option_id: market.store.flatId } }));
  const order = ok(await checkout(shop, cart.id), 201);
  await drain(t);
  return order;
}

/** Runs the dispatcher until the outbox is empty (seller orders, then their sales, then refunds). */
export async function drain(t: TestApp): Promise<void> {
  for (let i = 0; i < 3; i++) await t.modules.dispatcher.drain();
}

export type SellerOrderRow = Schema<'SellerOrder'>;

/** The seller orders of an order (operator read). */
export async function sellerOrdersOf(t: TestApp, orderId: string): Promise<SellerOrderRow[]> {
  const list = ok(await api(t).GET('/v1/seller_orders', { params: { query: { order_id: orderId, limit: 100 } } }));
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
  const lines = order.lines.map((l) => ({ line_id: l.id, quantity: l.quantity }));
  ok(await api(t).POST('/v1/orders/{id}/shipments', { ...byId(order.id), body: { carrier: 'ups', location_id: market.store.locationId, tracking_number: trackingNumber, lines } }), 201);
  const adapter = adapterFor('ups')!;
  const body = adapter.render([{ trackingNumber, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at, scanId: `ups-${trackingNumber}-D`, location: 'Louisville, US' }]);
  const headers = adapter.sign(body, t.modules.fulfillment.intake.secretFor('test', 'ups')!, new Date());
  // The carrier's own signed body, as UPS posts it: not a call an API client makes.
  const res = await t.app.inject({ method: 'POST', url: '/v1/carriers/ups/webhooks', headers: { ...headers, 'content-type': 'application/json' }, payload: body });
  expect(res.statusCode, res.body).toBe(202);
  await t.modules.fulfillment.intake.drain();
  await drain(t);
}

export type RunBody = Schema<'SettlementRun'>;

/** POST /v1/settlements/runs (a fresh Idempotency-Key); the status code and the run. */
export async function settle(t: TestApp, period?: string): Promise<{ status: number; run: RunBody }> {
  const res = await api(t).POST('/v1/settlements/runs', { body: period ? { period } : {} });
  expect([200, 201], JSON.stringify(res.error)).toContain(res.response.status);
  return { status: res.response.status, run: ok(res) };
}

export async function balanceOf(t: TestApp, sellerId: string): Promise<{ currency: string; pending: number; available: number }[]> {
  return ok(await api(t).GET('/v1/sellers/{id}/balance', byId(sellerId))).balances;
}

export const DAY = 86_400_000;

/** A minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}
