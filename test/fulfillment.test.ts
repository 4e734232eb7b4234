import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFor } from '../src/modules/fulfillment/index.js';
import type { CarrierCode, RawScan } from '../src/modules/fulfillment/carriers/carrier.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import crypto from 'node:crypto';
import { checkout, createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';

let t: TestApp;
let store: Store;
let country: string;
let n = 0;

beforeAll(async () => {
  t = await startTestApp();
  country = freshCountry();
  store = await createStore(t, { country, prices: [2500], stock: 100 });
});
afterAll(() => t.close());

async function paidOrder(quantity = 3) {
  const res = await checkout(t, await readyCart(t, store, { country, quantity }));
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; lines: { id: string; quantity: number }[] }>();
}

const ship = (orderId: string, body: Record<string, unknown>) => t.call('POST', `/v1/orders/${orderId}/shipments`, { body: { carrier: 'ups', location_id: store.locationId, ...body } });
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
    const order = await paidOrder(3);
    const line = order.lines[0]!;
    const first = await ship(order.id, { lines: [{ line_id: line.id, quantity: 2 }], tracking_number: trackingNumber() });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ object: 'shipment', order_id: order.id, status: 'pre_transit', lines: [{ line_id: line.id, quantity: 2 }] });
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json()).toMatchObject({ status: 'partially_fulfilled', lines: [{ quantity_fulfilled: 2 }] });

    const tooMany = await ship(order.id, { lines: [{ line_id: line.id, quantity: 2 }], tracking_number: trackingNumber() });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().code).toBe('shipment_exceeds_order');

    const second = await ship(order.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: trackingNumber() });
    expect(second.statusCode).toBe(201);
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json().status).toBe('fulfilled');
    expect((await t.call('GET', `/v1/orders/${order.id}/shipments`)).json().data).toHaveLength(2);
    // delivered shipments complete the order only once every one is delivered
    await carrierPosts('ups', [{ trackingNumber: first.json().tracking_number, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at(0) }]);
    await t.modules.fulfillment.intake.drain();
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json().status).toBe('fulfilled');
    await carrierPosts('ups', [{ trackingNumber: second.json().tracking_number, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at(1) }]);
    await t.modules.fulfillment.intake.drain();
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json().status).toBe('completed');
    const types = (await eventsOf(t, ['order.*', 'shipment.*'])).filter((e) => e.data.object.id === order.id || e.data.object.order_id === order.id).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['order.partially_fulfilled', 'order.fulfilled', 'shipment.created']));
    // a completed order ships nothing more
    expect((await ship(order.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: trackingNumber() })).statusCode).toBe(409);
  });

  it('refuses a reused tracking number, an unknown location and a foreign line, writing nothing', async () => {
    const order = await paidOrder(2);
    const line = order.lines[0]!;
    const tn = trackingNumber();
    expect((await ship(order.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: tn })).statusCode).toBe(201);
    expect((await ship(order.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: tn })).statusCode).toBe(409);
    expect((await ship(order.id, { lines: [{ line_id: line.id, quantity: 1 }], tracking_number: trackingNumber(), location_id: 'sloc_nope' })).statusCode).toBe(404);
    expect((await ship(order.id, { lines: [{ line_id: 'oln_other', quantity: 1 }], tracking_number: trackingNumber() })).statusCode).toBe(422);
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json().lines[0].quantity_fulfilled).toBe(1);
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
    const res = await checkout(t, await readyCart(t, s.store, { country: s.country, quantity }));
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; lines: { id: string }[] }>();
  }
  /** The SKU's availability as GET shows it: in total, and at each location. */
  async function stockOf(sku: string): Promise<Level & { at: Record<string, Level> }> {
    const item = (await t.call('GET', `/v1/inventory_items/${sku}`)).json<Level & { locations: (Level & { location_id: string })[] }>();
    const at = Object.fromEntries(item.locations.map((l) => [l.location_id, { on_hand: l.on_hand, reserved: l.reserved, available: l.available }]));
    return { on_hand: item.on_hand, reserved: item.reserved, available: item.available, at };
  }
  const shipFrom = (orderId: string, locationId: string, lineId: string, quantity: number) =>
    t.call('POST', `/v1/orders/${orderId}/shipments`, { body: { carrier: 'ups', location_id: locationId, lines: [{ line_id: lineId, quantity }], tracking_number: trackingNumber() } });
  const money = (url: string, body: unknown) => t.call('POST', url, { body, headers: { 'idempotency-key': crypto.randomUUID() } });

  it('checkout allocates (on_hand unchanged, reserved up); each shipment takes exactly its units off hand where they are allocated', async () => {
    const s = await ownStore(3);
    const sku = s.store.skus[0]!;
    const other = (await t.call('POST', '/v1/stock_locations', { body: { name: `Second ${crypto.randomUUID()}` } })).json<{ id: string }>();
    expect((await t.call('PUT', `/v1/stock_locations/${other.id}/levels/${sku}`, { body: { on_hand: 2 } })).statusCode).toBe(200);
    const main = s.store.locationId;

    const order = await orderOf(s, 4); // 3 allocated at the main location, 1 at the other
    expect(await stockOf(sku)).toEqual({ on_hand: 5, reserved: 4, available: 1, at: { [main]: { on_hand: 3, reserved: 3, available: 0 }, [other.id]: { on_hand: 2, reserved: 1, available: 1 } } });
    const line = order.lines[0]!.id;

    const partial = await shipFrom(order.id, main, line, 2);
    expect(partial.statusCode, partial.body).toBe(201);
    expect(await stockOf(sku)).toEqual({ on_hand: 3, reserved: 2, available: 1, at: { [main]: { on_hand: 1, reserved: 1, available: 0 }, [other.id]: { on_hand: 2, reserved: 1, available: 1 } } });
    const ledger = (await t.call('GET', `/v1/stock_adjustments?sku=${sku}&location_id=${main}`)).json<{ data: { kind: string; delta: number; on_hand_after: number }[] }>().data;
    expect(ledger[0]).toMatchObject({ kind: 'ship', delta: -2, on_hand_after: 1 });

    // 2 more from the main location: only 1 is allocated there, the other is at the second one
    const before = await stockOf(sku);
    const wrong = await shipFrom(order.id, main, line, 2);
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json()).toMatchObject({ code: 'location_mismatch' });
    expect(wrong.json().detail).toContain(other.id);
    expect(await stockOf(sku)).toEqual(before);
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json()).toMatchObject({ status: 'partially_fulfilled', lines: [{ quantity_fulfilled: 2 }] });
    expect((await t.call('GET', `/v1/orders/${order.id}/shipments`)).json().data).toHaveLength(1);

    expect((await shipFrom(order.id, main, line, 1)).statusCode).toBe(201);
    expect((await shipFrom(order.id, other.id, line, 1)).statusCode).toBe(201);
    expect(await stockOf(sku)).toEqual({ on_hand: 1, reserved: 0, available: 1, at: { [main]: { on_hand: 0, reserved: 0, available: 0 }, [other.id]: { on_hand: 1, reserved: 0, available: 1 } } });
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json().status).toBe('fulfilled');
    // nothing left to ship: refused, nothing moves
    expect((await shipFrom(order.id, other.id, line, 1)).statusCode).toBe(409);
    expect((await stockOf(sku)).on_hand).toBe(1);
  });

  it('two simultaneous shipments of the last units: one ships, the other is refused, and the units leave once', async () => {
    const s = await ownStore(5);
    const sku = s.store.skus[0]!;
    const order = await orderOf(s, 2);
    const line = order.lines[0]!.id;
    const results = await Promise.all([shipFrom(order.id, s.store.locationId, line, 2), shipFrom(order.id, s.store.locationId, line, 2)]);
    // the loser waits on the order's lock, then finds it fulfilled: nothing left to ship
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().code).toBe('order_illegal_transition');
    expect(await stockOf(sku)).toMatchObject({ on_hand: 3, reserved: 0, available: 3 });
    expect((await t.call('GET', `/v1/stock_adjustments?sku=${sku}`)).json().data.filter((a: { kind: string }) => a.kind === 'ship')).toHaveLength(1);
  });

  it('a partly shipped order cannot be canceled; refunding its unshipped units releases their allocation, restock returns shipped ones', async () => {
    const s = await ownStore(10);
    const sku = s.store.skus[0]!;
    const order = await orderOf(s, 4);
    const line = order.lines[0]!.id;
    expect((await shipFrom(order.id, s.store.locationId, line, 1)).statusCode).toBe(201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 9, reserved: 3, available: 6 });

    const cancel = await money(`/v1/orders/${order.id}/cancel`, undefined);
    expect(cancel.statusCode).toBe(409);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 9, reserved: 3, available: 6 });

    // 2 units refunded: unshipped units go first, so 2 of the 3 still allocated are given back
    const refund = await money(`/v1/orders/${order.id}/refunds`, { lines: [{ line_id: line, quantity: 2 }] });
    expect(refund.statusCode, refund.body).toBe(201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 9, reserved: 1, available: 8 });
    expect((await shipFrom(order.id, s.store.locationId, line, 2)).statusCode).toBe(422); // only 1 left to ship
    expect((await shipFrom(order.id, s.store.locationId, line, 1)).statusCode).toBe(201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 8, reserved: 0, available: 8 });
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json().status).toBe('fulfilled');

    // the 2 shipped units come back: with restock they go back on hand where they left from
    const returned = await money(`/v1/orders/${order.id}/refunds`, { lines: [{ line_id: line, quantity: 2 }], restock: true });
    expect(returned.statusCode, returned.body).toBe(201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
  });

  it('a refund of unshipped units releases them even without restock; a full refund by amount releases the rest', async () => {
    const s = await ownStore(10);
    const sku = s.store.skus[0]!;
    const order = await orderOf(s, 3);
    const line = order.lines[0]!.id;
    expect((await money(`/v1/orders/${order.id}/refunds`, { lines: [{ line_id: line, quantity: 1 }], restock: false })).statusCode).toBe(201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 2, available: 8 });
    // a partial refund by amount names no units: the allocation stays
    expect((await money(`/v1/orders/${order.id}/refunds`, { amount: 100 })).statusCode).toBe(201);
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 2, available: 8 });
    const rest = await money(`/v1/orders/${order.id}/refunds`, {});
    expect(rest.json().order.status).toBe('refunded');
    expect(await stockOf(sku)).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
  });

  it('the expiry job never releases an order’s allocation, however late it runs', async () => {
    const s = await ownStore(4);
    const sku = s.store.skus[0]!;
    const order = await orderOf(s, 3);
    // a month later, long past any hold's deadline
    await t.modules.inventory.service.releaseExpired({ db: t.db.forEnv('test'), now: () => new Date(Date.now() + 30 * 24 * 3600_000) });
    expect(await stockOf(sku)).toMatchObject({ on_hand: 4, reserved: 3, available: 1 });
    expect((await shipFrom(order.id, s.store.locationId, order.lines[0]!.id, 3)).statusCode).toBe(201);
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
    const order = await paidOrder(1);
    const tn = trackingNumber();
    const shipment = (await ship(order.id, { lines: [{ line_id: order.lines[0]!.id, quantity: 1 }], tracking_number: tn })).json();
    expect((await carrierPosts('ups', [{ trackingNumber: tn, rawCode: 'P', rawMessage: 'Pickup scan', occurredAt: at(0) }])).statusCode).toBe(202);
    await t.modules.fulfillment.intake.drain();
    // delivered arrives before the out-for-delivery scan it follows (one batch then applies both)
    expect((await carrierPosts('ups', [{ trackingNumber: tn, rawCode: 'D', rawMessage: 'Delivered', occurredAt: at(300) }])).statusCode).toBe(202);
    expect((await carrierPosts('ups', [{ trackingNumber: tn, rawCode: 'O', rawMessage: 'Out for delivery', occurredAt: at(200) }])).statusCode).toBe(202);
    await t.modules.fulfillment.intake.drain();
    const got = (await t.call('GET', `/v1/shipments/${shipment.id}`)).json();
    expect(got).toMatchObject({ status: 'delivered', raw_code: 'D', raw_message: 'Delivered', delivered_at: at(300).toISOString() });
    const tracking = (await t.call('GET', `/v1/shipments/${shipment.id}/tracking`)).json();
    expect(tracking.events.map((e: { raw_code: string; status: string }) => `${e.raw_code}:${e.status}`)).toEqual(['P:in_transit', 'O:out_for_delivery', 'D:delivered']);
    const events = (await eventsOf(t, ['shipment.*'], shipment.id)).map((e) => e.type);
    expect(events).toEqual(['shipment.created', 'shipment.in_transit', 'shipment.delivered']);
    // its only shipment delivered, the fulfilled order is completed
    expect((await t.call('GET', `/v1/orders/${order.id}`)).json().status).toBe('completed');
    expect(await eventsOf(t, ['order.completed'], order.id)).toHaveLength(1);
  });

  it('an unknown code is stored as unknown, counted, and changes nothing; a repeated webhook applies once', async () => {
    const order = await paidOrder(1);
    const tn = trackingNumber();
    const shipment = (await ship(order.id, { lines: [{ line_id: order.lines[0]!.id, quantity: 1 }], carrier: 'dhl', tracking_number: tn })).json();
    const scans = [
      { trackingNumber: tn, rawCode: 'PU', rawMessage: 'Shipment picked up', occurredAt: at(0) },
      { trackingNumber: tn, rawCode: 'ZZ', rawMessage: 'Something new', occurredAt: at(10) },
    ];
    expect((await carrierPosts('dhl', scans)).statusCode).toBe(202);
    expect((await carrierPosts('dhl', scans)).statusCode).toBe(202);
    await t.modules.fulfillment.intake.drain();
    const tracking = (await t.call('GET', `/v1/shipments/${shipment.id}/tracking`)).json();
    expect(tracking.status).toBe('in_transit');
    expect(tracking.events).toHaveLength(2);
    expect(tracking.events[1]).toMatchObject({ raw_code: 'ZZ', raw_message: 'Something new', status: 'unknown' });
    expect(await t.metrics.registry.metrics()).toMatch(/tessera_carrier_unknown_codes_total\{carrier="dhl"\} [1-9]/);
  });

  it('an exception scan after transit is announced as shipment.exception', async () => {
    const order = await paidOrder(1);
    const tn = trackingNumber();
    const shipment = (await ship(order.id, { lines: [{ line_id: order.lines[0]!.id, quantity: 1 }], carrier: 'fedex', tracking_number: tn })).json();
    await carrierPosts('fedex', [{ trackingNumber: tn, rawCode: 'PU', rawMessage: 'Picked up', occurredAt: at(0) }]);
    await t.modules.fulfillment.intake.drain();
    await carrierPosts('fedex', [{ trackingNumber: tn, rawCode: 'DE', rawMessage: 'Delivery exception', occurredAt: at(60) }]);
    await t.modules.fulfillment.intake.drain();
    expect((await t.call('GET', `/v1/shipments/${shipment.id}`)).json()).toMatchObject({ status: 'delivery_failed', raw_code: 'DE' });
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
    const order = await paidOrder(1);
    const shipment = (await ship(order.id, { lines: [{ line_id: order.lines[0]!.id, quantity: 1 }], carrier: 'usps', tracking_number: trackingNumber() })).json();
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.call('POST', `/v1/test_helpers/shipments/${shipment.id}/advance`, { body: {} });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().webhook_status).toBe(202);
      await t.modules.fulfillment.intake.drain();
      statuses.push((await t.call('GET', `/v1/shipments/${shipment.id}`)).json().status);
    }
    expect(statuses).toEqual(['pre_transit', 'in_transit', 'in_transit', 'out_for_delivery', 'delivered']);
    const injected = await t.call('POST', `/v1/test_helpers/shipments/${shipment.id}/advance`, { body: { raw_code: 'Q9', raw_message: 'Mystery' } });
    expect(injected.json()).toMatchObject({ raw_code: 'Q9', webhook_status: 202 });
    await t.modules.fulfillment.intake.drain();
    const tracking = (await t.call('GET', `/v1/shipments/${shipment.id}/tracking`)).json();
    expect(tracking.status).toBe('delivered');
    expect(tracking.events.at(-1)).toMatchObject({ raw_code: 'Q9', status: 'unknown' });
    // live keys cannot drive the emulators
    expect((await t.call('POST', `/v1/test_helpers/shipments/${shipment.id}/advance`, { key: t.keys.liveSecret, body: {} })).statusCode).toBe(403);
  });
});
