import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createStore, freshCountry, type Store } from './helpers/commerce.js';
import { startReceiver } from './helpers/receiver.js';
import { createSeller, ok, placeOrder, sellerProduct, trackingNumber, type PlacedOrder, type TestSeller } from './helpers/seller-orders.js';

/**
 * Two sellers, A and B, each with a product, a shipped seller order and a webhook endpoint. Every
 * seller-facing route is tried with A's key on B's objects: A never sees nor changes them (404,
 * as if they did not exist), lists show A its own only, and operator-only routes refuse A (403).
 */
let t: TestApp;
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

async function side(seller: TestSeller, country: string): Promise<Side> {
  const product = await sellerProduct(t, { sellerId: seller.id, price: 1500, locationId: store.locationId });
  const order = await placeOrder(t, store, country, [{ sku: product.sku, quantity: 1 }]);
  await t.modules.dispatcher.drain();
  const [sellerOrder] = (await ok<{ data: { id: string }[] }>(t, 'GET', `/v1/seller_orders?order_id=${order.id}`)).data;
  const shipment = await ok<{ id: string }>(
    t,
    'POST',
    `/v1/orders/${order.id}/shipments`,
    { key: seller.key, body: { lines: [{ line_id: order.lines[0]!.id, quantity: 1 }], carrier: 'ups', tracking_number: trackingNumber(), location_id: store.locationId } },
    201,
  );
  const endpoint = await ok<{ id: string }>(t, 'POST', '/v1/webhook_endpoints', { key: seller.key, body: { url: receiver.url, enabled_events: ['seller_order.*'] } }, 201);
  return { seller, productId: product.productId, order, sellerOrderId: sellerOrder!.id, shipmentId: shipment.id, endpointId: endpoint.id };
}

beforeAll(async () => {
  t = await startTestApp();
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

const as = (side: Side) => (method: string, url: string, body?: unknown) => t.call(method, url, { key: side.seller.key, ...(body !== undefined ? { body } : {}) });
const ids = (res: { json(): { data: { id: string }[] } }) => res.json().data.map((x) => x.id);

describe("a seller key never reaches another seller's data", () => {
  it("seller orders: A lists and reads its own only; B's are 404, even filtered by B's order", async () => {
    const a = as(A);
    expect(ids(await a('GET', '/v1/seller_orders'))).toEqual([A.sellerOrderId]);
    expect(ids(await a('GET', `/v1/seller_orders?order_id=${B.order.id}`))).toEqual([]);
    expect(ids(await a('GET', `/v1/seller_orders?seller_id=${B.seller.id}`))).toEqual([]);
    expect((await a('GET', `/v1/seller_orders/${A.sellerOrderId}`)).statusCode).toBe(200);
    const other = await a('GET', `/v1/seller_orders/${B.sellerOrderId}`);
    expect(other.statusCode).toBe(404);
    expect(other.json().type).toContain('seller_order_not_found');
    // the operator sees both
    expect(ids(await t.call('GET', '/v1/seller_orders'))).toEqual(expect.arrayContaining([A.sellerOrderId, B.sellerOrderId]));
    expect(ids(await t.call('GET', `/v1/seller_orders?seller_id=${B.seller.id}`))).toEqual([B.sellerOrderId]);
  });

  it("shipments: A cannot ship, read, track or list B's", async () => {
    const a = as(A);
    const line = B.order.lines[0]!;
    const create = await a('POST', `/v1/orders/${B.order.id}/shipments`, { lines: [{ line_id: line.id, quantity: 1 }], carrier: 'ups', tracking_number: trackingNumber(), location_id: store.locationId });
    expect(create.statusCode).toBe(404);
    expect((await a('GET', `/v1/shipments/${B.shipmentId}`)).statusCode).toBe(404);
    expect((await a('GET', `/v1/shipments/${B.shipmentId}/tracking`)).statusCode).toBe(404);
    expect(ids(await a('GET', `/v1/orders/${B.order.id}/shipments`))).toEqual([]);
    // its own, it can
    expect((await a('GET', `/v1/shipments/${A.shipmentId}`)).json().seller_id).toBe(A.seller.id);
    expect((await a('GET', `/v1/shipments/${A.shipmentId}/tracking`)).statusCode).toBe(200);
    expect(ids(await a('GET', `/v1/orders/${A.order.id}/shipments`))).toEqual([A.shipmentId]);
    // nothing was written for B
    expect(ids(await t.call('GET', `/v1/orders/${B.order.id}/shipments`))).toEqual([B.shipmentId]);
  });

  it("webhook endpoints: A lists its own, and cannot read, update, delete, rotate, replay or list deliveries of B's", async () => {
    const a = as(A);
    expect(ids(await a('GET', '/v1/webhook_endpoints'))).toEqual([A.endpointId]);
    const b = `/v1/webhook_endpoints/${B.endpointId}`;
    for (const [method, url, body] of [
      ['GET', b, undefined],
      ['PATCH', b, { description: 'mine now' }],
      ['POST', `${b}/rotate_secret`, {}],
      ['GET', `${b}/deliveries`, undefined],
      ['POST', `${b}/replay`, { since: new Date(Date.now() - 3600_000).toISOString() }],
      ['DELETE', b, undefined],
    ] as const) {
      const res = await a(method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().type).toContain('webhook_endpoint_not_found');
    }
    // B's endpoint is untouched, and the operator sees both, each with its seller
    const stillB = await ok<{ description: string; seller_id: string }>(t, 'GET', b);
    expect(stillB).toMatchObject({ description: '', seller_id: B.seller.id });
    expect(ids(await t.call('GET', '/v1/webhook_endpoints?limit=100'))).toEqual(expect.arrayContaining([A.endpointId, B.endpointId]));
    // on its own endpoint every route works
    const own = `/v1/webhook_endpoints/${A.endpointId}`;
    expect((await a('PATCH', own, { description: 'A hooks' })).json().description).toBe('A hooks');
    expect((await a('POST', `${own}/rotate_secret`, { expires_in_seconds: 0 })).json().secret).toMatch(/^whsec_/);
    expect((await a('GET', `${own}/deliveries`)).statusCode).toBe(200);
  });

  it('a seller endpoint may only subscribe to seller-facing events', async () => {
    const res = await as(A)('POST', '/v1/webhook_endpoints', { url: receiver.url, enabled_events: ['seller_order.*', 'order.*', 'payment.captured'] });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/enabled_events/1', '/enabled_events/2']);
  });

  it("products: A lists its own listings and cannot read, update or delete B's", async () => {
    const a = as(A);
    expect(ids(await a('GET', '/v1/products?limit=100'))).toEqual([A.productId]);
    expect((await a('GET', `/v1/products/${B.productId}`)).statusCode).toBe(404);
    expect((await a('PATCH', `/v1/products/${B.productId}`, { title: 'Taken' })).statusCode).toBe(404);
    expect((await a('DELETE', `/v1/products/${B.productId}`)).statusCode).toBe(404);
    expect((await t.call('GET', `/v1/products/${B.productId}`)).json().title).not.toBe('Taken');
  });

  it('operator-only routes answer 403 to a seller key', async () => {
    const a = as(A);
    for (const [method, url, body] of [
      ['GET', '/v1/orders', undefined],
      ['GET', `/v1/orders/${A.order.id}`, undefined],
      ['POST', `/v1/orders/${A.order.id}/cancel`, {}],
      ['POST', `/v1/test_helpers/shipments/${A.shipmentId}/advance`, {}],
      ['GET', '/v1/events', undefined],
      ['POST', `/v1/events/${'evt_x'}/redeliver`, {}],
      ['GET', '/v1/api_keys', undefined],
      ['GET', '/v1/sellers', undefined],
      ['POST', '/v1/regions', { name: 'X', currency: 'USD', countries: ['ZZ'], tax_rate: 0, tax_inclusive: false }],
    ] as const) {
      const res = await a(method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
  });
});
