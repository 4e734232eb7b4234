import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryService, Reservation } from '../src/modules/inventory/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import type { Problem, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createKey } from './helpers/fixtures.js';
import { api, ok, problem } from './helpers/sdk.js';

// End to end through the app. Reservation semantics and the concurrency proofs are service-level
// tests beside the code: src/modules/inventory/reservations.test.ts.
let t: TestApp;
let inventory: InventoryService;
let admin: TesseraClient;

beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  inventory = t.modules.inventory.service;
});
afterAll(() => t.close());

let n = 0;
const uniqueSku = (name: string) => `${name}-${++n}-${Math.random().toString(36).slice(2, 7)}`;
const ids = ulidIds();
/** The context checkout would hand the inventory service. */
function ctx(): ServiceContext {
  return { env: 'test', db: t.db.forEnv('test'), actor: null, requestId: 'req_inventory_test', now: () => new Date(), ids };
}

async function location(body: { code?: string } = {}): Promise<{ id: string }> {
  return ok(await admin.POST('/v1/stock_locations', { body: { name: `Warehouse ${++n}`, ...body } }), 201);
}

async function setStock(locationId: string, sku: string, onHand: number) {
  return ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: locationId, sku } }, body: { on_hand: onHand } }), 200);
}

const adjust = (locationId: string, sku: string, body: { delta: number; reason: string }) =>
  admin.POST('/v1/stock_locations/{id}/levels/{sku}/adjustments', { params: { path: { id: locationId, sku } }, body });
const byId = (id: string) => ({ params: { path: { id } } });
const item = async (sku: string) => ok(await admin.GET('/v1/inventory_items/{sku}', { params: { path: { sku } } }));

async function levels(sku: string): Promise<{ location_id: string; on_hand: number; reserved: number }[]> {
  const { rows } = await t.db.forEnv('test').query<{ location_id: string; on_hand: number; reserved: number }>(
    'SELECT location_id, on_hand, reserved FROM stock_levels WHERE sku = $1 ORDER BY location_id',
    [sku],
  );
  return rows;
}

describe('stock locations', () => {
  it('creates, reads, lists and updates locations', async () => {
    const created = await admin.POST('/v1/stock_locations', { body: { name: 'East DC', code: `EAST-${n}`, address: { city: 'Newark', country: 'US' } } });
    const loc = ok(created, 201);
    expect(loc).toMatchObject({ object: 'stock_location', name: 'East DC', active: true, address: { city: 'Newark', country: 'US' } });
    expect(loc.id).toMatch(/^sloc_[0-9a-z]{26}$/);
    expect(ok(await admin.GET('/v1/stock_locations/{id}', byId(loc.id)))).toEqual(loc);

    const patched = ok(await admin.PATCH('/v1/stock_locations/{id}', { ...byId(loc.id), body: { name: 'East DC 2', active: false, address: null } }), 200);
    expect(patched).toMatchObject({ name: 'East DC 2', active: false, address: null, code: loc.code });

    await location();
    const page = ok(await admin.GET('/v1/stock_locations', { params: { query: { limit: 1 } } }));
    expect(page).toMatchObject({ object: 'list', has_more: true });
    const next = ok(await admin.GET('/v1/stock_locations', { params: { query: { limit: 100, starting_after: page.next_cursor! } } }));
    expect(next.data.length).toBeGreaterThan(0);
    const inactive = ok(await admin.GET('/v1/stock_locations', { params: { query: { active: false, limit: 100 } } })).data;
    expect(inactive.map((l) => l.id)).toContain(loc.id);
    expect(inactive.every((l) => !l.active)).toBe(true);
  });

  it('answers a taken code with 409, an unknown id with 404 and bad bodies with 422 pointers', async () => {
    const code = `DUP-${n}`;
    await location({ code });
    const dup = problem(await admin.POST('/v1/stock_locations', { body: { name: 'Other', code } }), 409);
    expect(dup).toMatchObject({ code: 'stock_location_code_taken', errors: [{ pointer: '/code' }] });
    expect((await admin.GET('/v1/stock_locations/{id}', byId('sloc_nope'))).error).toMatchObject({ status: 404, code: 'stock_location_not_found' });
    problem(await admin.PATCH('/v1/stock_locations/{id}', { ...byId('sloc_nope'), body: { name: 'x' } }), 404);

    const badCountry = problem(await admin.POST('/v1/stock_locations', { body: { name: 'X', address: { country: 'usa' } } }), 422);
    expect(badCountry).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/address/country' }] });
    // invalid on purpose: a field the types do not have
    const unknownField = await t.call('POST', '/v1/stock_locations', { body: { name: 'X', colour: 'red' } });
    expect(unknownField.json()).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/colour' }] });
    problem(await admin.PATCH('/v1/stock_locations/{id}', { ...byId((await location()).id), body: {} }), 422);
  });
});

describe('stock levels', () => {
  it('refuses an adjustment past what a level can hold with a 422, not a 500', async () => {
    const loc = await location();
    const sku = uniqueSku('BIG');
    await setStock(loc.id, sku, 10);
    const bulk = () => adjust(loc.id, sku, { delta: 1_000_000_000, reason: 'bulk' });
    ok(await bulk(), 201);
    ok(await bulk(), 201);
    const over = problem(await bulk(), 422);
    expect(over).toMatchObject({ code: 'invalid_stock_adjustment', errors: [{ pointer: '/delta' }] });
  });

  it('sets and adjusts stock, recording each change in the ledger', async () => {
    const loc = await location();
    const sku = uniqueSku('SET');
    expect(await setStock(loc.id, sku, 10)).toMatchObject({ object: 'stock_level', sku, location_id: loc.id, on_hand: 10, reserved: 0, available: 10 });
    const adj = ok(await adjust(loc.id, sku, { delta: 5, reason: 'received PO 7' }), 201);
    expect(adj).toMatchObject({ object: 'stock_adjustment', kind: 'adjustment', delta: 5, on_hand_after: 15, reason: 'received PO 7', level: { on_hand: 15, available: 15 } });
    expect(adj.actor).toMatch(/^key_/);
    const down = ok(await adjust(loc.id, sku, { delta: -4, reason: 'damaged' }));
    expect(down.level.on_hand).toBe(11);

    const ledger = ok(await admin.GET('/v1/stock_adjustments', { params: { query: { sku } } })).data;
    expect(ledger.map((a) => [a.kind, a.delta])).toEqual([
      ['adjustment', -4],
      ['adjustment', 5],
      ['set', 10],
    ]);
    const atLocation = ok(await admin.GET('/v1/stock_locations/{id}/levels', byId(loc.id)));
    expect(atLocation.data).toEqual([expect.objectContaining({ sku, on_hand: 11 })]);
  });

  it('never goes below zero or below what is reserved, saying why', async () => {
    const loc = await location();
    const sku = uniqueSku('FLOOR');
    await setStock(loc.id, sku, 3);
    const belowZero = problem(await adjust(loc.id, sku, { delta: -4, reason: 'count' }), 422);
    expect(belowZero).toMatchObject({ code: 'on_hand_below_reserved', errors: [{ pointer: '/delta' }] });
    expect(belowZero.detail).toContain('below zero');

    await inventory.reserve(ctx(), { reference: 'cart_floor', lines: [{ sku, quantity: 2 }] });
    const belowReserved = problem(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: loc.id, sku } }, body: { on_hand: 1 } }), 422);
    expect(belowReserved).toMatchObject({ code: 'on_hand_below_reserved', errors: [{ pointer: '/on_hand' }] });
    expect(belowReserved.detail).toContain('2 units are reserved');
    const adjustBelow = await adjust(loc.id, sku, { delta: -2, reason: 'count' });
    expect(adjustBelow.error?.detail).toContain('2 units reserved');
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 3, reserved: 2 }]);
    expect(await setStock(loc.id, sku, 2)).toMatchObject({ on_hand: 2, reserved: 2, available: 0 });
  });

  it('validates bodies and parameters, and refuses a zero adjustment', async () => {
    const loc = await location();
    const level = (id: string, sku: string, onHand: number) => admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id, sku } }, body: { on_hand: onHand } });
    // invalid on purpose: no reason, which the types require
    const noReason = await t.call('POST', `/v1/stock_locations/${loc.id}/levels/SKU-1/adjustments`, { body: { delta: 1 } });
    expect(noReason.json()).toMatchObject({ status: 422, code: 'validation_failed', errors: [{ pointer: '/reason' }] });
    const zero = await adjust(loc.id, 'SKU-1', { delta: 0, reason: 'x' });
    expect(zero.error).toMatchObject({ status: 422, code: 'invalid_stock_adjustment', errors: [{ pointer: '/delta' }] });
    expect((await level(loc.id, 'SKU-1', -1)).error).toMatchObject({ status: 422, errors: [{ pointer: '/on_hand' }] });
    // invalid on purpose: a number sent as text
    const asText = await t.call('PUT', `/v1/stock_locations/${loc.id}/levels/SKU-1`, { body: { on_hand: '5' } });
    expect(asText.statusCode).toBe(422);
    expect((await level(loc.id, 'bad sku!', 1)).error).toMatchObject({ status: 422, errors: [{ parameter: 'sku' }] });
    expect((await level('sloc_nope', 'SKU-1', 1)).error?.code).toBe('stock_location_not_found');
  });

  it('reports availability per SKU over active locations, with a per-location breakdown', async () => {
    const a = await location();
    const b = await location();
    const closed = await location();
    const sku = uniqueSku('AV');
    await setStock(a.id, sku, 4);
    await setStock(b.id, sku, 6);
    await setStock(closed.id, sku, 100);
    ok(await admin.PATCH('/v1/stock_locations/{id}', { ...byId(closed.id), body: { active: false } }));
    await inventory.reserve(ctx(), { reference: 'cart_av', lines: [{ sku, quantity: 7 }] });

    const availability = (skus: string) => admin.GET('/v1/inventory/availability', { params: { query: { skus } } });
    const [mine, none] = ok(await availability(`${sku},NOPE-${n}`), 200).data;
    expect(mine).toMatchObject({ object: 'inventory_item', sku, tracked: true, on_hand: 10, reserved: 7, available: 3 });
    expect(mine!.locations).toHaveLength(3);
    expect(mine!.locations.find((l) => l.location_id === closed.id)).toMatchObject({ active: false, on_hand: 100, reserved: 0 });
    expect(none).toMatchObject({ sku: `NOPE-${n}`, on_hand: 0, reserved: 0, available: 0, locations: [] });
    expect(await item(sku)).toEqual(mine);

    expect((await availability('ok,bad sku')).error).toMatchObject({ status: 422, code: 'validation_failed', errors: [{ parameter: 'skus' }] });
    // invalid on purpose: without the `skus` the types require
    expect((await t.call('GET', '/v1/inventory/availability')).statusCode).toBe(422);
  });
});

describe('auth', () => {
  it('is operator-only: publishable keys get 403, and a read scope cannot write', async () => {
    const shop = api(t, t.keys.publishable);
    const refused: [string, { error?: Problem; response: Response }][] = [
      ['GET /v1/stock_locations', await shop.GET('/v1/stock_locations')],
      ['POST /v1/stock_locations', await shop.POST('/v1/stock_locations', { body: { name: 'x' } })],
      ['GET /v1/inventory/availability?skus=A', await shop.GET('/v1/inventory/availability', { params: { query: { skus: 'A' } } })],
      ['GET /v1/reservations/res_x', await shop.GET('/v1/reservations/{id}', byId('res_x'))],
    ];
    for (const [call, res] of refused) {
      expect(res.response.status, call).toBe(403);
      expect(res.error?.code).toBe('insufficient_scope');
    }
    // no key at all: the typed client always sends one
    expect((await t.call('GET', '/v1/stock_locations', { key: null })).statusCode).toBe(401);
    const reader = api(t, await createKey(t, { type: 'restricted', scopes: ['inventory:read'] }));
    ok(await reader.GET('/v1/stock_locations'), 200);
    const write = problem(await reader.POST('/v1/stock_locations', { body: { name: 'x' } }), 403);
    expect(write.detail).toContain('inventory:write');
  });

  it('keeps test and live stock apart', async () => {
    const loc = await location();
    problem(await api(t, t.keys.liveSecret).GET('/v1/stock_locations/{id}', byId(loc.id)), 404);
  });
});

describe('reservations through the API', () => {
  it('reads, lists and releases (idempotently) what checkout reserved; a commit keeps the units reserved, a shipment shows in the ledger', async () => {
    const loc = await location();
    const sku = uniqueSku('API');
    await setStock(loc.id, sku, 5);
    const r = await inventory.reserve(ctx(), { reference: 'cart_api', lines: [{ sku, quantity: 2 }] });
    expect(ok(await admin.GET('/v1/reservations/{id}', byId(r.id)))).toEqual(r);
    const listed = ok(await admin.GET('/v1/reservations', { params: { query: { reference: 'cart_api', status: 'active' } } }));
    expect(listed.data.map((x: Reservation) => x.id)).toEqual([r.id]);

    const release = () => admin.POST('/v1/reservations/{id}/release', byId(r.id));
    expect(ok(await release(), 200)).toMatchObject({ id: r.id, status: 'released' });
    expect(ok(await release())).toMatchObject({ status: 'released' });
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 5, reserved: 0 }]);
    expect((await admin.GET('/v1/reservations/{id}', byId('res_nope'))).error).toMatchObject({ status: 404, code: 'reservation_not_found' });

    const sold = await inventory.reserve(ctx(), { reference: 'cart_api', lines: [{ sku, quantity: 3 }] });
    await inventory.commit(ctx(), sold.id);
    const shipped = async () => ok(await admin.GET('/v1/stock_adjustments', { params: { query: { reservation_id: sold.id } } })).data;
    expect(await shipped()).toEqual([]);
    expect(await item(sku)).toMatchObject({ on_hand: 5, reserved: 3, available: 2 });
    await inventory.ship(ctx(), { reservation_id: sold.id, location_id: loc.id, lines: [{ sku, quantity: 3 }] });
    expect(await shipped()).toEqual([expect.objectContaining({ kind: 'ship', sku, location_id: loc.id, delta: -3, on_hand_after: 2 })]);
    expect(await item(sku)).toMatchObject({ on_hand: 2, reserved: 0, available: 2 });
    expect(ok(await admin.GET('/v1/reservations/{id}', byId(sold.id)))).toMatchObject({ status: 'committed', lines: [{ quantity: 3, shipped: 3, released: 0, restocked: 0 }] });
  });

  it('marks a SKU untracked, after which reservations never run out', async () => {
    const sku = uniqueSku('DIGITAL');
    const patched = ok(await admin.PATCH('/v1/inventory_items/{sku}', { params: { path: { sku } }, body: { tracked: false } }), 200);
    expect(patched).toMatchObject({ object: 'inventory_item', sku, tracked: false });
    const r = await inventory.reserve(ctx(), { reference: 'cart_digital', lines: [{ sku, quantity: 500 }] });
    expect(r.lines).toEqual([{ sku, location_id: null, quantity: 500, shipped: 0, released: 0, restocked: 0 }]);
    // invalid on purpose: not a boolean
    expect((await t.call('PATCH', `/v1/inventory_items/${sku}`, { body: { tracked: 'no' } })).statusCode).toBe(422);
  });
});

describe('concurrent operator adjustments', () => {
  it('50 concurrent removals of 1 unit from 20 on hand: exactly 20 succeed, the rest get 422', async () => {
    const loc = await location();
    const sku = uniqueSku('SHRINK');
    await setStock(loc.id, sku, 20);
    const results = await Promise.all(Array.from({ length: 50 }, () => adjust(loc.id, sku, { delta: -1, reason: 'picked' })));
    const codes = results.map((r) => r.response.status);
    expect(codes.filter((c) => c === 201)).toHaveLength(20);
    expect(codes.filter((c) => c === 422)).toHaveLength(30);
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 0, reserved: 0 }]);
    const ledger = ok(await admin.GET('/v1/stock_adjustments', { params: { query: { sku, limit: 100 } } })).data;
    expect(ledger.filter((a) => a.kind === 'adjustment')).toHaveLength(20);
  });
});
