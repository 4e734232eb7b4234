import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parentStatus } from '../src/modules/marketplace/index.js';
import { idempotencyHeader, type Schema, type TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createStore, freshCountry, type Store } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { startReceiver } from './helpers/receiver.js';
import { api, ok, problem } from './helpers/sdk.js';
import { createSeller, placeOrder, sellerProduct, trackingNumber, type PlacedOrder, type TestSeller } from './helpers/seller-orders.js';

let t: TestApp;
let admin: TesseraClient;
let store: Store;
let country: string;
let a: TestSeller;
let b: TestSeller;
const skus = { a: '', b: '', platform: '' };
let receivers: { a: Awaited<ReturnType<typeof startReceiver>>; b: Awaited<ReturnType<typeof startReceiver>> };
const secrets = { a: '', b: '' };

beforeAll(async () => {
  // 10 % by default, and 25 per seller order on top
  t = await startTestApp({ env: { TESSERA_COMMISSION_RATE_PPM: '100000', TESSERA_COMMISSION_FIXED_FEE: '25' } });
  admin = api(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  t.modules.fulfillment.emulator.setTarget(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  country = freshCountry();
  store = await createStore(t, { country, prices: [1000], taxRate: 10 });
  skus.platform = store.skus[0]!;
  const books = ok(await admin.POST('/v1/categories', { body: { name: 'Books' } }), 201);
  // A pays 15 % on books (its own category rate), B 5 % on everything (its own flat rate)
  a = await createSeller(t, { commission: { category_rates_ppm: { [books.id]: 150_000 } } });
  b = await createSeller(t, { commission: { rate_ppm: 50_000 } });
  skus.a = (await sellerProduct(t, { sellerId: a.id, price: 2000, locationId: store.locationId, categoryIds: [books.id] })).sku;
  skus.b = (await sellerProduct(t, { sellerId: b.id, price: 3000, locationId: store.locationId })).sku;
  receivers = { a: await startReceiver(), b: await startReceiver() };
  for (const who of ['a', 'b'] as const) {
    const key = who === 'a' ? a.key : b.key;
    const endpoint = ok(await api(t, key).POST('/v1/webhook_endpoints', { body: { url: receivers[who].url, enabled_events: ['seller_order.*', 'shipment.*'] } }), 201);
    expect(endpoint.seller_id).toBe(who === 'a' ? a.id : b.id);
    secrets[who] = endpoint.secret ?? '';
  }
});
afterAll(async () => {
  await receivers.a.close();
  await receivers.b.close();
  await t.close();
});

type SellerOrderView = Schema<'SellerOrder'>;
const byId = (id: string) => ({ params: { path: { id } } });
const childrenOf = async (orderId: string, key = t.keys.secret): Promise<SellerOrderView[]> => ok(await api(t, key).GET('/v1/seller_orders', { params: { query: { order_id: orderId } } })).data;
const orderOf = async (orderId: string) => ok(await admin.GET('/v1/orders/{id}', byId(orderId)));
const orderStatus = async (orderId: string) => (await orderOf(orderId)).status;
const lineOf = (order: PlacedOrder, sku: string) => order.lines.find((l) => l.sku === sku)!;
const ship = (order: PlacedOrder, lines: { line_id: string; quantity: number }[], key = t.keys.secret) =>
  api(t, key).POST('/v1/orders/{id}/shipments', { ...byId(order.id), body: { lines, carrier: 'ups', tracking_number: trackingNumber(), location_id: store.locationId } });

/** Makes the emulated UPS deliver a shipment, and lets every background step run. */
async function deliver(shipmentId: string): Promise<void> {
  ok(await admin.POST('/v1/test_helpers/shipments/{id}/advance', { ...byId(shipmentId), body: { raw_code: 'D' } }), 200);
  await t.modules.fulfillment.intake.drain();
  await t.modules.dispatcher.drain();
}

describe('an order split into seller orders', () => {
  let order: PlacedOrder;

  it('checkout makes exactly one seller order per seller, with its lines, amounts, shipping share and commission', async () => {
    order = await placeOrder(t, store, country, [
      { sku: skus.a, quantity: 2 },
      { sku: skus.b, quantity: 1 },
      { sku: skus.platform, quantity: 1 },
    ]);
    expect(order.status).toBe('paid');
    await t.modules.dispatcher.drain();
    const children = await childrenOf(order.id);
    expect(children).toHaveLength(2);
    const mine = children.find((c) => c.seller_id === a.id)!;
    const theirs = children.find((c) => c.seller_id === b.id)!;
    // goods 4000 / 3000 / 1000 (platform): the 500 shipping splits 250 / 187.5 / 62.5, the odd unit to the lowest index of the tie
    expect(mine).toMatchObject({ order_id: order.id, status: 'paid', goods_amount: 4000, tax_amount: 400, shipping_amount: 250, shipping_payee: 'platform', commission_amount: 600 + 25 });
    expect(theirs).toMatchObject({ order_id: order.id, status: 'paid', goods_amount: 3000, tax_amount: 300, shipping_amount: 188, shipping_payee: 'platform', commission_amount: 150 + 25 });
    expect(mine.lines).toEqual([expect.objectContaining({ order_line_id: lineOf(order, skus.a).id, sku: skus.a, quantity: 2, amount: 4000, tax: 400, commission: 625 })]);
    expect(theirs.lines).toEqual([expect.objectContaining({ order_line_id: lineOf(order, skus.b).id, sku: skus.b, quantity: 1, amount: 3000, tax: 300, commission: 175 })]);
    expect(mine.commission).toMatchObject({ total: 625, fixed_fee: 25, by_line: [expect.objectContaining({ rate_ppm: 150_000 })] });
    expect(theirs.commission.by_line[0]!.rate_ppm).toBe(50_000);
    // seller_order.created carries the seller order as the API shows it
    const created = await eventsOf(t, ['seller_order.created']);
    expect(created.filter((e) => e.data.object.order_id === order.id).map((e) => e.data.object)).toEqual(expect.arrayContaining([mine, theirs].map((c) => expect.objectContaining({ id: c.id, seller_id: c.seller_id, order_id: order.id, lines: c.lines, commission_amount: c.commission_amount }))));
  });

  it('a redispatched order.created creates nothing twice', async () => {
    const [event] = await eventsOf(t, ['order.created'], order.id);
    const before = (await eventsOf(t, ['seller_order.created'])).length;
    await t.db.forEnv('test').query('INSERT INTO outbox (event_id, available_at) VALUES ($1, $2)', [event!.id, new Date()]);
    expect(await t.modules.dispatcher.drain()).toBeGreaterThan(0);
    expect(await childrenOf(order.id)).toHaveLength(2);
    expect(await eventsOf(t, ['seller_order.created'])).toHaveLength(before);
  });

  it("a seller ships only its own lines; another seller's or a platform line, or a mixed shipment, writes nothing", async () => {
    for (const [sku, key] of [[skus.b, a.key], [skus.platform, a.key], [skus.a, b.key]] as const) {
      const res = problem(await ship(order, [{ line_id: lineOf(order, sku).id, quantity: 1 }], key), 404);
      expect(res.type).toMatch(/order_line_not_found|order_not_found/);
    }
    const mixed = problem(await ship(order, [{ line_id: lineOf(order, skus.a).id, quantity: 1 }, { line_id: lineOf(order, skus.b).id, quantity: 1 }]), 422);
    expect(mixed.type).toContain('shipment_mixes_sellers');
    const now = await orderOf(order.id);
    expect(now.lines.every((l) => l.quantity_fulfilled === 0)).toBe(true);
    expect(now.status).toBe('paid');
    expect(ok(await admin.GET('/v1/orders/{id}/shipments', byId(order.id))).data).toEqual([]);
  });

  let shipmentA = '';
  let shipmentB = '';
  it('seller A ships its lines: its seller order is fulfilled, B’s still paid, the order partially fulfilled', async () => {
    const res = ok(await ship(order, [{ line_id: lineOf(order, skus.a).id, quantity: 2 }], a.key), 201);
    expect(res.seller_id).toBe(a.id);
    shipmentA = res.id;
    await t.modules.dispatcher.drain();
    const children = await childrenOf(order.id);
    expect(Object.fromEntries(children.map((c) => [c.seller_id, c.status]))).toEqual({ [a.id]: 'fulfilled', [b.id]: 'paid' });
    expect(await orderStatus(order.id)).toBe('partially_fulfilled');
  });

  it('then the platform ships its line and B ships its own: the order is fulfilled', async () => {
    ok(await ship(order, [{ line_id: lineOf(order, skus.platform).id, quantity: 1 }]), 201);
    const res = ok(await ship(order, [{ line_id: lineOf(order, skus.b).id, quantity: 1 }], b.key), 201);
    shipmentB = res.id;
    await t.modules.dispatcher.drain();
    expect((await childrenOf(order.id)).map((c) => c.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await orderStatus(order.id)).toBe('fulfilled');
  });

  it('a seller order is completed, with delivered_at, once its own shipments are delivered', async () => {
    await deliver(shipmentA);
    let children = await childrenOf(order.id);
    const mine = children.find((c) => c.seller_id === a.id)!;
    expect(mine.status).toBe('completed');
    expect(mine.delivered_at).not.toBeNull();
    expect(children.find((c) => c.seller_id === b.id)).toMatchObject({ status: 'fulfilled', delivered_at: null });
    const completed = await eventsOf(t, ['seller_order.completed'], mine.id);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data.previous_attributes).toMatchObject({ status: 'fulfilled', delivered_at: null });

    await deliver(shipmentB);
    children = await childrenOf(order.id);
    expect(children.every((c) => c.status === 'completed' && c.delivered_at !== null)).toBe(true);
  });

  it("each seller's endpoint receives its own seller_order and shipment events, signed, and never the other's", async () => {
    await t.modules.dispatcher.drain();
    await t.modules.webhooks.worker.drain();
    for (const who of ['a', 'b'] as const) {
      const seller = who === 'a' ? a : b;
      const got = receivers[who].received.map((r) => new Webhook(secrets[who]).verify(r.body, r.headers as Record<string, string>) as { type: string; data: { object: { seller_id: string; order_id: string } } });
      expect(got.length).toBeGreaterThan(0);
      expect(got.every((p) => p.data.object.seller_id === seller.id)).toBe(true);
      const created = got.filter((p) => p.type === 'seller_order.created');
      expect(created).toHaveLength(1);
      expect(created[0]!.data.object.order_id).toBe(order.id);
      expect(got.map((p) => p.type)).toEqual(expect.arrayContaining(['seller_order.fulfilled', 'seller_order.completed', 'shipment.created', 'shipment.delivered']));
      expect(got.some((p) => p.type.startsWith('order.') || p.type.startsWith('payment.'))).toBe(false);
    }
  });
});

describe('a canceled order', () => {
  it('cancels its seller orders, announced as seller_order.canceled', async () => {
    const order = await placeOrder(t, store, country, [{ sku: skus.a, quantity: 1 }, { sku: skus.b, quantity: 1 }]);
    await t.modules.dispatcher.drain();
    ok(await admin.POST('/v1/orders/{id}/cancel', { ...byId(order.id), headers: idempotencyHeader(`cancel-${order.id}`) }), 200);
    await t.modules.dispatcher.drain();
    const children = await childrenOf(order.id);
    expect(children.map((c) => c.status)).toEqual(['canceled', 'canceled']);
    for (const c of children) expect(await eventsOf(t, ['seller_order.canceled'], c.id)).toHaveLength(1);
  });
});

describe('an order made only of seller lines', () => {
  it('has, at every step, the status its seller orders derive (parentStatus)', async () => {
    const order = await placeOrder(t, store, country, [
      { sku: skus.a, quantity: 2 },
      { sku: skus.b, quantity: 1 },
    ]);
    const check = async () => {
      await t.modules.dispatcher.drain();
      const children = await childrenOf(order.id);
      expect(children).toHaveLength(2);
      expect(parentStatus(children.map((c) => c.status))).toBe(await orderStatus(order.id));
    };
    await check();
    const first = await ship(order, [{ line_id: lineOf(order, skus.a).id, quantity: 1 }], a.key);
    await check();
    const second = await ship(order, [{ line_id: lineOf(order, skus.a).id, quantity: 1 }], a.key);
    await check();
    await deliver(ok(first).id);
    await deliver(ok(second).id);
    await check();
    const third = await ship(order, [{ line_id: lineOf(order, skus.b).id, quantity: 1 }], b.key);
    await check();
    await deliver(ok(third).id);
    await check();
    expect(await orderStatus(order.id)).toBe('completed');
  });
});
