import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createStore, freshCountry, type Store } from './helpers/commerce.js';
import { startReceiver } from './helpers/receiver.js';
import { api, ok, problem } from './helpers/sdk.js';
import { createSeller, placeOrder, sellerProduct, trackingNumber, type PlacedOrder, type TestSeller } from './helpers/seller-orders.js';

/**
 * Two sellers, A and B, each with a product, a shipped seller order and a webhook endpoint. Every
 * seller-facing route is tried with A's key on B's objects: A never sees nor changes them (404,
 * as if they did not exist), lists show A its own only, and operator-only routes refuse A (403).
 */
let t: TestApp;
let admin: TesseraClient;
let store: Store;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
interface Side {
  seller: TestSeller;
  productId: string;
  order: PlacedOrder;
  sellerOrderId: string;
  shipmentId: string;
  endpointId: string;
}
let A: Side;
let B: Side;

const byId = (id: string) => ({ params: { path: { id } } });

async function side(seller: TestSeller, country: string): Promise<Side> {
  const client = api(t, seller.key);
  const product = await sellerProduct(t, { sellerId: seller.id, price: 1500, locationId: store.locationId });
  const order = await placeOrder(t, store, country, [{ sku: product.sku, quantity: 1 }]);
  await t.modules.dispatcher.drain();
  const [sellerOrder] = ok(await admin.GET('/v1/seller_orders', { params: { query: { order_id: order.id } } })).data;
  const shipment = ok(
    await client.POST('/v1/orders/{id}/shipments', { ...byId(order.id), body: { lines: [{ line_id: order.lines[0]!.id, quantity: 1 }], carrier: 'ups', tracking_number: trackingNumber(), location_id: store.locationId } }),
    201,
  );
  const endpoint = ok(await client.POST('/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events: ['seller_order.*'] } }), 201);
  return { seller, productId: product.productId, order, sellerOrderId: sellerOrder!.id, shipmentId: shipment.id, endpointId: endpoint.id };
}

beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  receiver = await startReceiver();
  const country = freshCountry();
  store = await createStore(t, { country, prices: [1000] });
  A = await side(await createSeller(t), country);
  B = await side(await createSeller(t), country);
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

/** The SDK with the side's seller key. */
const as = (side: Side) => api(t, side.seller.key);
const ids = (page: { data: { id: string }[] }) => page.data.map((x) => x.id);

describe("a seller key never reaches another seller's data", () => {
  it("seller orders: A lists and reads its own only; B's are 404, even filtered by B's order", async () => {
    const a = as(A);
    const sellerOrders = async (client: TesseraClient, query: { order_id?: string; seller_id?: string } = {}) => ids(ok(await client.GET('/v1/seller_orders', { params: { query } })));
    expect(await sellerOrders(a)).toEqual([A.sellerOrderId]);
    expect(await sellerOrders(a, { order_id: B.order.id })).toEqual([]);
    expect(await sellerOrders(a, { seller_id: B.seller.id })).toEqual([]);
    ok(await a.GET('/v1/seller_orders/{id}', byId(A.sellerOrderId)), 200);
    const other = problem(await a.GET('/v1/seller_orders/{id}', byId(B.sellerOrderId)), 404);
    expect(other.type).toContain('seller_order_not_found');
    // the operator sees both
    expect(await sellerOrders(admin)).toEqual(expect.arrayContaining([A.sellerOrderId, B.sellerOrderId]));
    expect(await sellerOrders(admin, { seller_id: B.seller.id })).toEqual([B.sellerOrderId]);
  });

  it("shipments: A cannot ship, read, track or list B's", async () => {
    const a = as(A);
    const line = B.order.lines[0]!;
    const create = await a.POST('/v1/orders/{id}/shipments', { ...byId(B.order.id), body: { lines: [{ line_id: line.id, quantity: 1 }], carrier: 'ups', tracking_number: trackingNumber(), location_id: store.locationId } });
    problem(create, 404);
    problem(await a.GET('/v1/shipments/{id}', byId(B.shipmentId)), 404);
    problem(await a.GET('/v1/shipments/{id}/tracking', byId(B.shipmentId)), 404);
    const shipmentsOf = async (client: TesseraClient, orderId: string) => ids(ok(await client.GET('/v1/orders/{id}/shipments', byId(orderId))));
    expect(await shipmentsOf(a, B.order.id)).toEqual([]);
    // its own, it can
    expect(ok(await a.GET('/v1/shipments/{id}', byId(A.shipmentId))).seller_id).toBe(A.seller.id);
    ok(await a.GET('/v1/shipments/{id}/tracking', byId(A.shipmentId)), 200);
    expect(await shipmentsOf(a, A.order.id)).toEqual([A.shipmentId]);
    // nothing was written for B
    expect(await shipmentsOf(admin, B.order.id)).toEqual([B.shipmentId]);
  });

  it("webhook endpoints: A lists its own, and cannot read, update, delete, rotate, replay or list deliveries of B's", async () => {
    const a = as(A);
    expect(ids(ok(await a.GET('/v1/webhook_endpoints')))).toEqual([A.endpointId]);
    const b = byId(B.endpointId);
    for (const [route, call] of [
      ['GET', () => a.GET('/v1/webhook_endpoints/{id}', b)],
      ['PATCH', () => a.PATCH('/v1/webhook_endpoints/{id}', { ...b, body: { description: 'mine now' } })],
      ['POST rotate_secret', () => a.POST('/v1/webhook_endpoints/{id}/rotate_secret', { ...b, body: {} })],
      ['GET deliveries', () => a.GET('/v1/webhook_endpoints/{id}/deliveries', b)],
      ['POST replay', () => a.POST('/v1/webhook_endpoints/{id}/replay', { ...b, body: { since: new Date(Date.now() - 3600_000).toISOString() } })],
      ['DELETE', () => a.DELETE('/v1/webhook_endpoints/{id}', b)],
    ] as const) {
      const res = await call();
      expect(res.response.status, route).toBe(404);
      expect(problem(res, 404).type).toContain('webhook_endpoint_not_found');
    }
    // B's endpoint is untouched, and the operator sees both, each with its seller
    const stillB = ok(await admin.GET('/v1/webhook_endpoints/{id}', b));
    expect(stillB).toMatchObject({ description: '', seller_id: B.seller.id });
    expect(ids(ok(await admin.GET('/v1/webhook_endpoints', { params: { query: { limit: 100 } } })))).toEqual(expect.arrayContaining([A.endpointId, B.endpointId]));
    // on its own endpoint every route works
    const own = byId(A.endpointId);
    expect(ok(await a.PATCH('/v1/webhook_endpoints/{id}', { ...own, body: { description: 'A hooks' } })).description).toBe('A hooks');
    expect(ok(await a.POST('/v1/webhook_endpoints/{id}/rotate_secret', { ...own, body: { expires_in_seconds: 0 } })).secret).toMatch(/^whsec_/);
    ok(await a.GET('/v1/webhook_endpoints/{id}/deliveries', own), 200);
  });

  it('a seller endpoint may only subscribe to seller-facing events', async () => {
    const res = await as(A).POST('/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events: ['seller_order.*', 'order.*', 'payment.captured'] } });
    expect(problem(res, 422).errors?.map((e) => e.pointer)).toEqual(['/enabled_events/1', '/enabled_events/2']);
  });

  it("products: A lists its own listings and cannot read, update or delete B's", async () => {
    const a = as(A);
    expect(ids(ok(await a.GET('/v1/products', { params: { query: { limit: 100 } } })))).toEqual([A.productId]);
    problem(await a.GET('/v1/products/{id}', byId(B.productId)), 404);
    problem(await a.PATCH('/v1/products/{id}', { ...byId(B.productId), body: { title: 'Taken' } }), 404);
    problem(await a.DELETE('/v1/products/{id}', byId(B.productId)), 404);
    expect(ok(await admin.GET('/v1/products/{id}', byId(B.productId))).title).not.toBe('Taken');
  });

  it('operator-only routes answer 403 to a seller key', async () => {
    const a = as(A);
    for (const [route, call] of [
      ['GET /v1/orders', () => a.GET('/v1/orders')],
      ['GET /v1/orders/{id}', () => a.GET('/v1/orders/{id}', byId(A.order.id))],
      ['POST /v1/orders/{id}/cancel', () => a.POST('/v1/orders/{id}/cancel', byId(A.order.id))],
      ['POST /v1/test_helpers/shipments/{id}/advance', () => a.POST('/v1/test_helpers/shipments/{id}/advance', { ...byId(A.shipmentId), body: {} })],
      ['GET /v1/events', () => a.GET('/v1/events')],
      ['POST /v1/events/{id}/redeliver', () => a.POST('/v1/events/{id}/redeliver', { ...byId('evt_x'), body: {} })],
      ['GET /v1/api_keys', () => a.GET('/v1/api_keys')],
      ['GET /v1/sellers', () => a.GET('/v1/sellers')],
      ['POST /v1/regions', () => a.POST('/v1/regions', { body: { name: 'X', currency: 'USD', countries: ['ZZ'], tax_rate: 0, tax_inclusive: false } })],
    ] as const) {
      const res = await call();
      expect(res.response.status, route).toBe(403);
    }
  });
});
