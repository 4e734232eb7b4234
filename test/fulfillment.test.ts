import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFor } from '../src/modules/fulfillment/index.js';
import type { CarrierCode, RawScan } from '../src/modules/fulfillment/carriers/carrier.js';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import crypto from 'node:crypto';
import { createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let store: Store;
let country: string;
let n = 0;

beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  country = freshCountry();
  store = await createStore(t, { country, prices: [2500], stock: 100 });
});
afterAll(() => t.close());

async function paidOrder(quantity = 3) {
  return ok(await checkout(api(t, t.keys.publishable), await readyCart(t, store, { country, quantity })), 201);
}

type NewShipment = operations['postV1OrdersByIdShipments']['requestBody']['content']['application/json'];
const byId = (id: string) => ({ params: { path: { id } } });
const ship = (orderId: string, body: Omit<NewShipment, 'carrier' | 'location_id'> & Partial<NewShipment>) =>
  admin.POST('/v1/orders/{id}/shipments', { ...byId(orderId), body: { carrier: 'ups', location_id: store.locationId, ...body } });
const order = async (id: string) => ok(await admin.GET('/v1/orders/{id}', byId(id)));
const shipmentOf = async (id: string) => ok(await admin.GET('/v1/shipments/{id}', byId(id)));
const trackingOf = async (id: string) => ok(await admin.GET('/v1/shipments/{id}/tracking', byId(id)));
const trackingNumber = () => `1Z${Date.now()}${++n}`;

/** Posts a carrier webhook over HTTP as the carrier would: its own format, its own signature. */
async function carrierPosts(carrier: CarrierCode, scans: Omit<RawScan, 'scanId' | 'location'>[], opts: { secret?: string } = {}) {
  const adapter = adapterFor(carrier)!;
  const body = adapter.render(scans.map((s) => ({ ...s, scanId: `${carrier}-${s.trackingNumber}-${s.rawCode}-${s.occurredAt.getTime()}`, location: 'Louisville, US' })));
  const secret = opts.secret ?? t.modules.fulfillment.intake.secretFor('test', carrier)!;
  const headers = adapter.sign(body, secret, new Date());
  return t.app.inject({ method: 'POST', url: `/v1/carriers/${carrier}/webhooks`, headers: { ...headers, 'content-type': 'application/json' }, payload: body });
}

const at = (minutes: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + minutes * 60_000);

describe('shipments', () => {
  it('partial shipments move the order to partially_fulfilled, then fulfilled; never more than ordered', async () => {
    const placed = await paidOrder(3);
    const line = placed.lines[0]!;
    const first = ok(await ship(placed.id, { lines: [{ line_id: line.id, quantity: 2 }], tracking_number: trackingNumber() }), 201);
    expect(first).toMatchObject({ object: 'shipment', order_id: placed.id, status: 'pre_transit', lines: [{ line_id: line.id, quantity: 2 }] });
    expect(await order(placed.id)).toMatchObject({ status: 'partially_fulfilled', lines: [{ quantity_fulfilled: 2 }] });

    const tooMany = problem(await ship(placed.id, { lines: [{ line_id: line.id, quantity: 2 }], tracking_number: trackingNumber() }), 422);
    expect(tooMany.code).toBe('shipment_exceeds_order');

    const second = ok(await ship(placed.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: trackingNumber() }), 201);
    expect((await order(placed.id)).status).toBe('fulfilled');
    expect(ok(await admin.GET('/v1/orders/{id}/shipments', byId(placed.id))).data).toHaveLength(2);
    // delivered shipments complete the order only once every one is delivered
    await carrierPosts('ups', [{ trackingNumber: first.tracking_number, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at(0) }]);
    await t.modules.fulfillment.intake.drain();
    expect((await order(placed.id)).status).toBe('fulfilled');
    await carrierPosts('ups', [{ trackingNumber: second.tracking_number, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at(1) }]);
    await t.modules.fulfillment.intake.drain();
    expect((await order(placed.id)).status).toBe('completed');
    const types = (await eventsOf(t, ['order.*', 'shipment.*'])).filter((e) => e.data.object.id === placed.id || e.data.object.order_id === placed.id).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['order.partially_fulfilled', 'order.fulfilled', 'shipment.created']));
    // a completed order ships nothing more
    problem(await ship(placed.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: trackingNumber() }), 409);
  });

  it('refuses a reused tracking number, an unknown location and a foreign line, writing nothing', async () => {
    const placed = await paidOrder(2);
    const line = placed.lines[0]!;
    const tn = trackingNumber();
    ok(await ship(placed.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: tn }), 201);
    problem(await ship(placed.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: tn }), 409);
    problem(await ship(placed.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: trackingNumber(), location_id: 'sloc_nope' }), 404);
    problem(await ship(placed.id, { lines: [{ line_id: 'oln_other', quantity: 1 }], tracking_number: trackingNumber() }), 422);
    expect((await order(placed.id)).lines[0]!.quantity_fulfilled).toBe(1);
  });
});

describe('stock leaves the location when the shipment is created', () => {
  interface Level {
    on_hand: number;
    reserved: number;
    available: number;
  }
  /** A store of its own, so its stock numbers are exactly what these tests did to it. */
  async function ownStore(stock: number) {
    const c = freshCountry();
    return { country: c, store: await createStore(t, { country: c, prices: [2500], stock }) };
  }
  async function orderOf(s: { country: string; store: Store }, quantity: number) {
    return ok(await checkout(api(t, t.keys.publishable), await readyCart(t, s.store, { country: s.country, quantity })), 201);
  }
  /** The SKU's availability as GET shows it: in total, and at each location. */
  async function stockOf(sku: string): Promise<Level & { at: Record<string, Level> }> {
    const item = ok(await admin.GET('/v1/inventory_items/{sku}', { params: { path: { sku } } }));
    const at = Object.fromEntries(item.locations.map((l) => [l.location_id, { on_hand: l.on_hand, reserved: l.reserved, available: l.available }]));
    return { on_hand: item.on_hand, reserved: item.reserved, available: item.available, at };
  }
  const shipFrom = (orderId: string, locationId: string, lineId: string, quantity: number) =>
    ship(orderId, { location_id: locationId, lines: [{ line_id: lineId, quantity }], tracking_number: trackingNumber() });
  // The client gives every POST a fresh Idempotency-Key, as money moves require.
  const cancel = (orderId: string) => admin.POST('/v1/orders/{id}/cancel', byId(orderId));
  const refund = (orderId: string, body: operations['postV1OrdersByIdRefunds']['requestBody']['content']['application/json']) => admin.POST('/v1/orders/{id}/refunds', { ...byId(orderId), body });

  it('checkout allocates (on_hand unchanged, reserved up); each shipment takes exactly its units off hand where they are allocated', async () => {
    const s = await ownStore(3);
    const sku = s.store.skus[0]!;
    const other = ok(await admin.POST('/v1/stock_locations', { body: { name: `Second ${crypto.randomUUID()}` } }));
    ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: other.id, sku } }, body: { on_hand: 2 } }), 200);
    const main = s.store.locationId;

    const placed = await orderOf(s, 4); // 3 allocated at the main location, 1 at the other
    expect(await stockOf(sku)).toEqual({ on_hand: 5, reserved: 4, available: 1, at: { [main]: { on_hand: 3, reserved: 3, available: 0 }, [other.id]: { on_hand: 2, reserved: 1, available: 1 } } });
    const line = placed.lines[0]!.id;

    ok(await shipFrom(placed.id, main, line, 2), 201);
    expect(await stockOf(sku)).toEqual({ on_hand: 3, reserved: 2, available: 1, at: { [main]: { on_hand: 1, reserved: 1, available: 0 }, [other.id]: { on_hand: 2, reserved: 1, available: 1 } } });
    const ledger = ok(await admin.GET('/v1/stock_adjustments', { params: { query: { sku, location_id: main } } })).data;
    expect(ledger[0]).toMatchObject({ kind: 'ship', delta: -2, on_hand_after: 1 });

    // 2 more from the main location: only 1 is allocated there, the other is at the second one
    const before = await stockOf(sku);
    const wrong = problem(await shipFrom(placed.id, main, line, 2), 409);
    expect(wrong).toMatchObject({ code: 'location_mismatch' });
    expect(wrong.detail).toContain(other.id);
    expect(await stockOf(sku)).toEqual(before);
    expect(await order(placed.id)).toMatchObject({ status: 'partially_fulfilled', lines: [{ quantity_fulfilled: 2 }] });
    expect(ok(await admin.GET('/v1/orders/{id}/shipments', byId(placed.id))).data).toHaveLength(1);

    ok(await shipFrom(placed.id, main, line, 1), 201);
    ok(await shipFrom(placed.id, other.id, line, 1), 201);
    expect(await stockOf(sku)).toEqual({ on_hand: 1, reserved: 0, available: 1, at: { [main]: { on_hand: 0, reserved: 0, available: 0 }, [other.id]: { on_hand: 1, reserved: 0, available: 1 } } });
    expect((await order(placed.id)).status).toBe('fulfilled');
    // nothing left to ship: refused, nothing moves
    problem(await shipFrom(placed.id, other.id, line, 1), 409);
    expect((await stockOf(sku)).on_hand).toBe(1);
  });

  it('two simultaneous shipments of the last units: one ships, the other is refused, and the units leave once', async () => {
    const s = await ownStore(5);
    const sku = s.store.skus[0]!;
    const placed = await orderOf(s, 2);
    const line = placed.lines[0]!.id;
    const results = await Promise.all([shipFrom(placed.id, s.store.locationId, line, 2), shipFrom(placed.id, s.store.locationId, line, 2)]);
    // the loser waits on the order's lock, then finds it fulfilled: nothing left to ship
    expect(results.map((r) => r.response.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.response.status === 409)!.error?.code).toBe('order_illegal_transition');
    expect(await stockOf(sku)).toMatchObject({ on_hand: 3, reserved: 0, available: 3 });
    expect(ok(await admin.GET('/v1/stock_adjustments', { params: { query: { sku } } })).data.filter((a) => a.kind === 'ship')).toHaveLength(1);
  });

  it('a partly shipped order cannot be canceled; refunding its unshipped units releases their allocation, restock returns shipped ones', async () => {
    const s = await ownStore(10);
    const sku = s.store.skus[0]!;
    const placed = await orderOf(s, 4);
    const line = placed.lines[0]!.id;
    ok(await shipFrom(placed.id, s.store.locationId, line, 1), 201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 9, reserved: 3, available: 6 });

    problem(await cancel(placed.id), 409);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 9, reserved: 3, available: 6 });

    // 2 units refunded: unshipped units go first, so 2 of the 3 still allocated are given back
    ok(await refund(placed.id, { lines: [{ line_id: line, quantity: 2 }] }), 201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 9, reserved: 1, available: 8 });
    problem(await shipFrom(placed.id, s.store.locationId, line, 2), 422); // only 1 left to ship
    ok(await shipFrom(placed.id, s.store.locationId, line, 1), 201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 8, reserved: 0, available: 8 });
    expect((await order(placed.id)).status).toBe('fulfilled');

    // the 2 shipped units come back: with restock they go back on hand where they left from
    ok(await refund(placed.id, { lines: [{ line_id: line, quantity: 2 }], restock: true }), 201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
  });

  it('a refund of unshipped units releases them even without restock; a full refund by amount releases the rest', async () => {
    const s = await ownStore(10);
    const sku = s.store.skus[0]!;
    const placed = await orderOf(s, 3);
    const line = placed.lines[0]!.id;
    ok(await refund(placed.id, { lines: [{ line_id: line, quantity: 1 }], restock: false }), 201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 2, available: 8 });
    // a partial refund by amount names no units: the allocation stays
    ok(await refund(placed.id, { amount: 100 }), 201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 2, available: 8 });
    const rest = ok(await refund(placed.id, {}));
    expect(rest.order.status).toBe('refunded');
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
  });

  it('the expiry job never releases an order’s allocation, however late it runs', async () => {
    const s = await ownStore(4);
    const sku = s.store.skus[0]!;
    const placed = await orderOf(s, 3);
    // a month later, long past any hold's deadline
    await t.modules.inventory.service.releaseExpired({ db: t.db.forEnv('test'), now: () => new Date(Date.now() + 30 * 24 * 3600_000) });
    expect(await stockOf(sku)).toMatchObject({ on_hand: 4, reserved: 3, available: 1 });
    ok(await shipFrom(placed.id, s.store.locationId, placed.lines[0]!.id, 3), 201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 1, reserved: 0, available: 1 });
  });
});

describe('carrier webhooks', () => {
  it('verifies the signature: 401 when it does not, and nothing is stored', async () => {
    const res = await carrierPosts('fedex', [{ trackingNumber: 'X1', rawCode: 'PU', rawMessage: 'Picked up', occurredAt: at(0) }], { secret: 'wrong-secret-wrong-secret' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('invalid_carrier_signature');
    expect((await t.app.inject({ method: 'POST', url: '/v1/carriers/pigeon/webhooks', payload: '{}' })).statusCode).toBe(404);
  });

  it('normalises each carrier, keeps the newest by event time, never leaves delivered for an older scan', async () => {
    const placed = await paidOrder(1);
    const tn = trackingNumber();
    const shipment = ok(await ship(placed.id, { lines: [{ line_id: placed.lines[0]!.id, quantity: 1 }], tracking_number: tn }));
    expect((await carrierPosts('ups', [{ trackingNumber: tn, rawCode: 'P', rawMessage: 'Pickup scan', occurredAt: at(0) }])).statusCode).toBe(202);
    await t.modules.fulfillment.intake.drain();
    // delivered arrives before the out-for-delivery scan it follows (one batch then applies both)
    expect((await carrierPosts('ups', [{ trackingNumber: tn, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at(300) }])).statusCode).toBe(202);
    expect((await carrierPosts('ups', [{ trackingNumber: tn, rawCode: 'O', rawMessage: 'Out for delivery', occurredAt: at(200) }])).statusCode).toBe(202);
    await t.modules.fulfillment.intake.drain();
    const got = await shipmentOf(shipment.id);
    expect(got).toMatchObject({ status: 'delivered', raw_code: 'D', raw_message: 'Delivered', delivered_at: at(300).toISOString() });
    const tracking = await trackingOf(shipment.id);
    expect(tracking.events.map((e) => `${e.raw_code}:${e.status}`)).toEqual(['P:in_transit', 'O:out_for_delivery', 'D:delivered']);
    const events = (await eventsOf(t, ['shipment.*'], shipment.id)).map((e) => e.type);
    expect(events).toEqual(['shipment.created', 'shipment.in_transit', 'shipment.delivered']);
    // its only shipment delivered, the fulfilled order is completed
    expect((await order(placed.id)).status).toBe('completed');
    expect(await eventsOf(t, ['order.completed'], placed.id)).toHaveLength(1);
  });

  it('an unknown code is stored as unknown, counted, and changes nothing; a repeated webhook applies once', async () => {
    const placed = await paidOrder(1);
    const tn = trackingNumber();
    const shipment = ok(await ship(placed.id, { lines: [{ line_id: placed.lines[0]!.id, quantity: 1 }], carrier: 'dhl', tracking_number: tn }));
    const scans = [
      { trackingNumber: tn, rawCode: 'PU', rawMessage: 'Shipment picked up', occurredAt: at(0) },
      { trackingNumber: tn, rawCode: 'ZZ', rawMessage: 'Something new', occurredAt: at(10) },
    ];
    expect((await carrierPosts('dhl', scans)).statusCode).toBe(202);
    expect((await carrierPosts('dhl', scans)).statusCode).toBe(202);
    await t.modules.fulfillment.intake.drain();
    const tracking = await trackingOf(shipment.id);
    expect(tracking.status).toBe('in_transit');
    expect(tracking.events).toHaveLength(2);
    expect(tracking.events[1]).toMatchObject({ raw_code: 'ZZ', raw_message: 'Something new', status: 'unknown' });
    expect(await t.metrics.registry.metrics()).toMatch(/tessera_carrier_unknown_codes_total\{carrier="dhl"\} [1-9]/);
  });

  it('an exception scan after transit is announced as shipment.exception', async () => {
    const placed = await paidOrder(1);
    const tn = trackingNumber();
    const shipment = ok(await ship(placed.id, { lines: [{ line_id: placed.lines[0]!.id, quantity: 1 }], carrier: 'fedex', tracking_number: tn }));
    await carrierPosts('fedex', [{ trackingNumber: tn, rawCode: 'PU', rawMessage: 'Picked up', occurredAt: at(0) }]);
    await t.modules.fulfillment.intake.drain();
    await carrierPosts('fedex', [{ trackingNumber: tn, rawCode: 'DE', rawMessage: 'Delivery exception', occurredAt: at(60) }]);
    await t.modules.fulfillment.intake.drain();
    expect(await shipmentOf(shipment.id)).toMatchObject({ status: 'delivery_failed', raw_code: 'DE' });
    const exception = await eventsOf(t, ['shipment.exception'], shipment.id);
    expect(exception).toHaveLength(1);
    expect(exception[0]!.data.previous_attributes).toEqual({ status: 'in_transit', raw_code: 'PU' });
  });
});

describe('test helpers', () => {
  it('advance makes the emulated carrier post its next real, signed webhook over HTTP; a raw code can be injected', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    t.modules.fulfillment.emulator.setTarget(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    const placed = await paidOrder(1);
    const shipment = ok(await ship(placed.id, { lines: [{ line_id: placed.lines[0]!.id, quantity: 1 }], carrier: 'usps', tracking_number: trackingNumber() }));
    const advance = (body: { raw_code?: string; raw_message?: string }, client = admin) => client.POST('/v1/test_helpers/shipments/{id}/advance', { ...byId(shipment.id), body });
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = ok(await advance({}), 200);
      expect(res.webhook_status).toBe(202);
      await t.modules.fulfillment.intake.drain();
      statuses.push((await shipmentOf(shipment.id)).status);
    }
    expect(statuses).toEqual(['pre_transit', 'in_transit', 'in_transit', 'out_for_delivery', 'delivered']);
    expect(ok(await advance({ raw_code: 'Q9', raw_message: 'Mystery' }))).toMatchObject({ raw_code: 'Q9', webhook_status: 202 });
    await t.modules.fulfillment.intake.drain();
    const tracking = await trackingOf(shipment.id);
    expect(tracking.status).toBe('delivered');
    expect(tracking.events.at(-1)).toMatchObject({ raw_code: 'Q9', status: 'unknown' });
    // live keys cannot drive the emulators
    problem(await advance({}, api(t, t.keys.liveSecret)), 403);
  });
});
