import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../src/platform/http/context.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createStore, freshCountry, readyCart, tag } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { productBody } from './helpers/fixtures.js';

// Catalog and inventory events, end to end: each write through the API leaves its events in the
// outbox, written by the transaction (or the statement) that made the change, with the object as
// GET shows it and the request's id and key as context.
let t: TestApp;
/** A secret key whose id is known, so the events' actor can be checked. */
let key: { id: string; secret: string };

beforeAll(async () => {
  t = await startTestApp();
  const res = await t.call('POST', '/v1/api_keys', { body: { type: 'secret', name: 'events test' } });
  expect(res.statusCode, res.body).toBe(201);
  key = res.json();
});
afterAll(() => t.close());

/** A write with the known key and a fresh request id; returns the response and that id. */
async function write(method: string, url: string, body?: unknown, opts: { key?: string; headers?: Record<string, string> } = {}) {
  const requestId = `req-events-${crypto.randomUUID()}`;
  const res = await t.call(method, url, { key: opts.key ?? key.secret, body, headers: { 'x-request-id': requestId, ...opts.headers } });
  return { res, requestId };
}

async function get<T = Record<string, unknown>>(url: string): Promise<T> {
  const res = await t.call('GET', url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

/** How many test-mode events exist: a failed write must leave it unchanged. */
const eventCount = async () => (await eventsOf(t)).length;

describe('product events', () => {
  it('create, update and delete emit product.created, product.updated and product.deleted in order, as GET shows the product', async () => {
    const created = await write('POST', '/v1/products', productBody({ title: 'Lantern' }));
    expect(created.res.statusCode, created.res.body).toBe(201);
    const id: string = created.res.json().id;
    const afterCreate = await get(`/v1/products/${id}`);

    const updated = await write('PATCH', `/v1/products/${id}`, { title: 'Storm Lantern' });
    expect(updated.res.statusCode, updated.res.body).toBe(200);
    const afterUpdate = await get(`/v1/products/${id}`);

    const deleted = await write('DELETE', `/v1/products/${id}`);
    expect(deleted.res.statusCode, deleted.res.body).toBe(200);

    const events = await eventsOf(t, ['product.*'], id);
    expect(events.map((e) => e.type)).toEqual(['product.created', 'product.updated', 'product.deleted']);
    const [c, u, d] = events;
    expect(c!.data).toEqual({ object: afterCreate });
    expect(u!.data).toEqual({ object: afterUpdate, previous_attributes: { title: 'Lantern' } });
    expect(d!.data).toEqual({ object: deleted.res.json() });
    expect(d!.data.object).toEqual({ id, object: 'product', deleted: true });
    for (const [e, w] of [[c!, created], [u!, updated], [d!, deleted]] as const) {
      expect(e.context).toMatchObject({ request_id: w.requestId, actor: { type: 'api_key', id: key.id } });
    }
  });

  it('a write that changes nothing emits nothing', async () => {
    const p = (await write('POST', '/v1/products', productBody({ title: 'Same' }))).res.json();
    expect((await write('PATCH', `/v1/products/${p.id}`, { title: 'Same' })).res.statusCode).toBe(200);
    expect((await eventsOf(t, ['product.*'], p.id)).map((e) => e.type)).toEqual(['product.created']);
  });

  it('a price change emits price.updated with the previous amount, and a new currency price.created, beside product.updated', async () => {
    const sku = `LAMP-${tag()}`;
    const p = (await write('POST', '/v1/products', productBody({ variants: [{ sku, prices: [{ currency: 'USD', amount: 1000 }] }] }))).res.json();
    const variantId: string = p.variants[0].id;
    const created = (await eventsOf(t, ['price.*'])).filter((e) => e.data.object.variant_id === variantId);
    expect(created.map((e) => e.data)).toEqual([{ object: { object: 'price', variant_id: variantId, sku, currency: 'USD', amount: 1000 } }]);

    const changed = await write('PATCH', `/v1/products/${p.id}/variants/${variantId}`, { prices: [{ currency: 'USD', amount: 1500 }, { currency: 'EUR', amount: 1400 }] });
    expect(changed.res.statusCode, changed.res.body).toBe(200);
    const prices = (await eventsOf(t, ['price.*'])).filter((e) => e.data.object.variant_id === variantId).slice(1);
    expect(prices.map((e) => [e.type, e.data])).toEqual([
      ['price.created', { object: { object: 'price', variant_id: variantId, sku, currency: 'EUR', amount: 1400 } }],
      ['price.updated', { object: { object: 'price', variant_id: variantId, sku, currency: 'USD', amount: 1500 }, previous_attributes: { amount: 1000 } }],
    ]);
    expect(prices.every((e) => e.context.request_id === changed.requestId)).toBe(true);
    const update = (await eventsOf(t, ['product.updated'], p.id))[0]!;
    expect(update.data.object).toEqual(await get(`/v1/products/${p.id}`));
    expect(update.data.previous_attributes).toEqual({ variants: p.variants });

    await write('PATCH', `/v1/products/${p.id}/variants/${variantId}`, { prices: [{ currency: 'EUR', amount: 1400 }] });
    const last = (await eventsOf(t, ['price.*'])).filter((e) => e.data.object.variant_id === variantId).slice(3);
    expect(last.map((e) => [e.type, e.data.object.currency, e.data.object.amount])).toEqual([['price.deleted', 'USD', 1500]]);
  });

  it('a failed write writes no event: a 422, a 409 on a taken handle, a 409 on the last variant', async () => {
    const p = (await write('POST', '/v1/products', productBody({ handle: `taken-${tag().toLowerCase()}` }))).res.json();
    const other = (await write('POST', '/v1/products', productBody())).res.json();
    const before = await eventCount();
    const twoPrices = await write('POST', '/v1/products', productBody({ variants: [{ sku: `DUP-${tag()}`, prices: [{ currency: 'USD', amount: 1 }, { currency: 'USD', amount: 2 }] }] }));
    expect(twoPrices.res.statusCode).toBe(422);
    const taken = await write('PATCH', `/v1/products/${other.id}`, { title: 'Renamed', handle: p.handle });
    expect(taken.res.statusCode).toBe(409);
    const last = await write('DELETE', `/v1/products/${other.id}/variants/${other.variants[0].id}`);
    expect(last.res.statusCode).toBe(409);
    expect(await eventCount()).toBe(before);
  });
});

describe('category events', () => {
  it('create, move and delete emit category events; a move updates every descendant whose path changed', async () => {
    const make = async (name: string, parent_id?: string) => (await write('POST', '/v1/categories', { name: `${name} ${tag()}`, ...(parent_id ? { parent_id } : {}) })).res.json<{ id: string }>();
    const a = await make('A');
    const b = await make('B');
    const c = await make('C', a.id);
    const d = await make('D', c.id);
    const cBefore = await get(`/v1/categories/${c.id}`);
    const dBefore = await get(`/v1/categories/${d.id}`);
    expect((await eventsOf(t, ['category.*'], d.id)).map((e) => [e.type, e.data])).toEqual([['category.created', { object: dBefore }]]);

    const moved = await write('PATCH', `/v1/categories/${c.id}`, { parent_id: b.id });
    expect(moved.res.statusCode, moved.res.body).toBe(200);
    const [cUpdate] = (await eventsOf(t, ['category.updated'], c.id));
    expect(cUpdate!.data).toEqual({ object: await get(`/v1/categories/${c.id}`), previous_attributes: { parent_id: a.id, path: cBefore.path } });
    const [dUpdate] = (await eventsOf(t, ['category.updated'], d.id));
    expect(dUpdate!.data).toEqual({ object: await get(`/v1/categories/${d.id}`), previous_attributes: { path: dBefore.path } });
    expect(dUpdate!.context.request_id).toBe(moved.requestId);
    expect(await eventsOf(t, ['category.updated'], a.id)).toEqual([]);

    expect((await write('DELETE', `/v1/categories/${c.id}`)).res.statusCode).toBe(409); // D is under it
    expect((await write('DELETE', `/v1/categories/${d.id}`)).res.statusCode).toBe(200);
    expect((await eventsOf(t, ['category.deleted'])).map((e) => e.data.object.id)).toEqual([d.id]);
  });
});

describe('stock location and level events', () => {
  it('location create and update emit stock_location events as GET shows the location; a taken code emits none', async () => {
    const code = `EV-${tag()}`;
    const created = await write('POST', '/v1/stock_locations', { name: 'North DC', code, address: { city: 'Oslo', country: 'NO' } });
    expect(created.res.statusCode, created.res.body).toBe(201);
    const id: string = created.res.json().id;
    const asCreated = await get(`/v1/stock_locations/${id}`);
    const patched = await write('PATCH', `/v1/stock_locations/${id}`, { name: 'North DC 2', active: false });
    expect(patched.res.statusCode, patched.res.body).toBe(200);
    const asPatched = await get(`/v1/stock_locations/${id}`);
    expect(await write('PATCH', `/v1/stock_locations/${id}`, { name: 'North DC 2' }).then((w) => w.res.statusCode)).toBe(200); // no change: no event

    const events = await eventsOf(t, ['stock_location.*'], id);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['stock_location.created', { object: asCreated }],
      ['stock_location.updated', { object: asPatched, previous_attributes: { name: 'North DC', active: true } }],
    ]);
    expect(events[1]!.context).toMatchObject({ request_id: patched.requestId, actor: { type: 'api_key', id: key.id } });

    const before = await eventCount();
    expect((await write('POST', '/v1/stock_locations', { name: 'Copy', code })).res.statusCode).toBe(409);
    const other = (await write('POST', '/v1/stock_locations', { name: 'Other' })).res.json<{ id: string }>();
    const afterOther = await eventCount();
    expect((await write('PATCH', `/v1/stock_locations/${other.id}`, { name: 'Clash', code })).res.statusCode).toBe(409);
    expect((await write('PATCH', '/v1/stock_locations/sloc_nope', { name: 'x' })).res.statusCode).toBe(404);
    expect(await eventCount()).toBe(afterOther);
    expect(afterOther).toBe(before + 1); // only Other's stock_location.created
  });

  it('set and adjust emit inventory_level.updated with the previous on_hand; a refused adjustment emits none', async () => {
    const loc = (await write('POST', '/v1/stock_locations', { name: `Levels ${tag()}` })).res.json<{ id: string }>();
    const sku = `LVL-${tag()}`;
    const level = async () => (await get<{ data: { sku: string }[] }>(`/v1/stock_locations/${loc.id}/levels`)).data.find((l) => l.sku === sku);
    const set = await write('PUT', `/v1/stock_locations/${loc.id}/levels/${sku}`, { on_hand: 10 });
    expect(set.res.statusCode, set.res.body).toBe(200);
    const afterSet = await level();
    const adjust = await write('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { delta: -3, reason: 'damaged' });
    expect(adjust.res.statusCode, adjust.res.body).toBe(201);
    const afterAdjust = await level();
    const before = await eventCount();
    expect((await write('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { delta: -8, reason: 'count' })).res.statusCode).toBe(422);
    expect((await write('PUT', `/v1/stock_locations/${loc.id}/levels/${sku}`, { on_hand: 7 })).res.statusCode).toBe(200); // unchanged
    expect(await eventCount()).toBe(before);

    const events = (await eventsOf(t, ['inventory_level.updated'])).filter((e) => e.data.object.sku === sku);
    expect(events.map((e) => e.data)).toEqual([
      { object: afterSet, previous_attributes: { on_hand: 0, available: 0 } },
      { object: afterAdjust, previous_attributes: { on_hand: 10, available: 10 } },
    ]);
    expect(events.map((e) => e.context.request_id)).toEqual([set.requestId, adjust.requestId]);
    expect(events[1]!.context.actor).toEqual({ type: 'api_key', id: key.id });
  });
});

describe('inventory events of checkout and reservations', () => {
  const levelEvents = async (sku: string) => (await eventsOf(t, ['inventory_level.updated'])).filter((e) => e.data.object.sku === sku);

  it('a checkout emits no inventory_level.updated (its units stay on hand, reserved); its shipment does', async () => {
    const country = freshCountry();
    const store = await createStore(t, { country, stock: 10 });
    const sku = store.skus[0]!;
    const storefront = (await write('POST', '/v1/api_keys', { type: 'publishable' })).res.json<{ id: string; secret: string }>();
    const cartId = await readyCart(t, store, { country, quantity: 2, key: storefront.secret });
    expect(await levelEvents(sku)).toHaveLength(1); // the stock set by createStore

    const placed = await write('POST', `/v1/carts/${cartId}/checkout`, { payment: { token: 'tok_visa' } }, { key: storefront.secret, headers: { 'idempotency-key': crypto.randomUUID() } });
    expect(placed.res.statusCode, placed.res.body).toBe(201);
    expect(await levelEvents(sku)).toHaveLength(1);
    const level = async () => (await get<{ data: { sku: string }[] }>(`/v1/stock_locations/${store.locationId}/levels`)).data.find((l) => l.sku === sku);
    expect(await level()).toMatchObject({ on_hand: 10, reserved: 2, available: 8 });

    const order = placed.res.json<{ id: string; lines: { id: string }[] }>();
    const shipped = await write('POST', `/v1/orders/${order.id}/shipments`, { lines: [{ line_id: order.lines[0]!.id, quantity: 2 }], carrier: 'ups', tracking_number: `1Z${tag()}`, location_id: store.locationId });
    expect(shipped.res.statusCode, shipped.res.body).toBe(201);
    const [, shipment, ...rest] = await levelEvents(sku);
    expect(rest).toEqual([]);
    const shown = await level();
    expect(shown).toMatchObject({ on_hand: 8, reserved: 0, available: 8 });
    expect(shipment!.data).toEqual({ object: shown, previous_attributes: { on_hand: 10, reserved: 2 } });
    expect(shipment!.context).toMatchObject({ request_id: shipped.requestId, actor: { type: 'api_key' } });
  });

  it('a hold released by the expiry job emits nothing; a shipment and a restock emit inventory_level.updated', async () => {
    const loc = (await write('POST', '/v1/stock_locations', { name: `Expiry ${tag()}` })).res.json<{ id: string }>();
    const sku = `EXP-${tag()}`;
    expect((await write('PUT', `/v1/stock_locations/${loc.id}/levels/${sku}`, { on_hand: 5 })).res.statusCode).toBe(200);
    const inventory = t.modules.inventory.service;
    const ids = ulidIds();
    const ctx = (now = () => new Date()): ServiceContext => ({ env: 'test', db: t.db.forEnv('test'), actor: null, requestId: 'req_events_job', now, ids });

    const hold = await inventory.reserve(ctx(), { reference: `cart_${tag()}`, lines: [{ sku, quantity: 3 }], ttlSeconds: 1 });
    expect(await inventory.releaseExpired(ctx(() => new Date(Date.now() + 60_000)))).toBeGreaterThanOrEqual(1);
    expect(await inventory.get(ctx(), hold.id)).toMatchObject({ status: 'expired' });
    expect((await levelEvents(sku)).map((e) => e.data.object.on_hand)).toEqual([5]);

    const sold = await inventory.reserve(ctx(), { reference: `cart_${tag()}`, lines: [{ sku, quantity: 2 }] });
    await t.db.forEnv('test').transaction((tx) => inventory.commit(ctx(), sold.id, tx));
    await inventory.ship(ctx(), { reservation_id: sold.id, location_id: loc.id, lines: [{ sku, quantity: 2 }] });
    await inventory.restock(ctx(), { reservation_id: sold.id, reason: 'returned' });
    const [, ship, restock] = await levelEvents(sku);
    expect(ship!.data.previous_attributes).toEqual({ on_hand: 5, reserved: 2 });
    expect(restock!.data).toEqual({
      object: { object: 'stock_level', sku, location_id: loc.id, on_hand: 5, reserved: 0, available: 5, updated_at: expect.any(String) },
      previous_attributes: { on_hand: 3, available: 3 },
    });
    expect(restock!.context).toMatchObject({ request_id: 'req_events_job', actor: { type: 'system', id: null } });
  });
});
