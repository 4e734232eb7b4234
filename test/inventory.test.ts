import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryService, Reservation } from '../src/modules/inventory/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createKey } from './helpers/fixtures.js';

// End to end through the app. Reservation semantics and the concurrency proofs are service-level
// tests beside the code: src/modules/inventory/reservations.test.ts.
let t: TestApp;
let inventory: InventoryService;

beforeAll(async () => {
  t = await startTestApp();
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

async function location(body: Record<string, unknown> = {}): Promise<{ id: string }> {
  const res = await t.call('POST', '/v1/stock_locations', { body: { name: `Warehouse ${++n}`, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function setStock(locationId: string, sku: string, onHand: number) {
  const res = await t.call('PUT', `/v1/stock_locations/${locationId}/levels/${sku}`, { body: { on_hand: onHand } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function levels(sku: string): Promise<{ location_id: string; on_hand: number; reserved: number }[]> {
  const { rows } = await t.db.forEnv('test').query<{ location_id: string; on_hand: number; reserved: number }>(
    'SELECT location_id, on_hand, reserved FROM stock_levels WHERE sku = $1 ORDER BY location_id',
    [sku],
  );
  return rows;
}

describe('stock locations', () => {
  it('creates, reads, lists and updates locations', async () => {
    const created = await t.call('POST', '/v1/stock_locations', { body: { name: 'East DC', code: `EAST-${n}`, address: { city: 'Newark', country: 'US' } } });
    expect(created.statusCode).toBe(201);
    const loc = created.json();
    expect(loc).toMatchObject({ object: 'stock_location', name: 'East DC', active: true, address: { city: 'Newark', country: 'US' } });
    expect(loc.id).toMatch(/^sloc_[0-9a-z]{26}$/);
    expect((await t.call('GET', `/v1/stock_locations/${loc.id}`)).json()).toEqual(loc);

    const patched = await t.call('PATCH', `/v1/stock_locations/${loc.id}`, { body: { name: 'East DC 2', active: false, address: null } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'East DC 2', active: false, address: null, code: loc.code });

    await location();
    const page = await t.call('GET', '/v1/stock_locations?limit=1');
    expect(page.json()).toMatchObject({ object: 'list', has_more: true });
    const next = await t.call('GET', `/v1/stock_locations?limit=100&starting_after=${page.json().next_cursor}`);
    expect(next.json().data.length).toBeGreaterThan(0);
    const inactive = (await t.call('GET', '/v1/stock_locations?active=false&limit=100')).json().data;
    expect(inactive.map((l: { id: string }) => l.id)).toContain(loc.id);
    expect(inactive.every((l: { active: boolean }) => !l.active)).toBe(true);
  });

  it('answers a taken code with 409, an unknown id with 404 and bad bodies with 422 pointers', async () => {
    const code = `DUP-${n}`;
    await location({ code });
    const dup = await t.call('POST', '/v1/stock_locations', { body: { name: 'Other', code } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'stock_location_code_taken', errors: [{ pointer: '/code' }] });
    expect((await t.call('GET', '/v1/stock_locations/sloc_nope')).json()).toMatchObject({ status: 404, code: 'stock_location_not_found' });
    expect((await t.call('PATCH', '/v1/stock_locations/sloc_nope', { body: { name: 'x' } })).statusCode).toBe(404);

    const badCountry = await t.call('POST', '/v1/stock_locations', { body: { name: 'X', address: { country: 'usa' } } });
    expect(badCountry.statusCode).toBe(422);
    expect(badCountry.json()).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/address/country' }] });
    const unknownField = await t.call('POST', '/v1/stock_locations', { body: { name: 'X', colour: 'red' } });
    expect(unknownField.json()).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/colour' }] });
    const empty = await t.call('PATCH', `/v1/stock_locations/${(await location()).id}`, { body: {} });
    expect(empty.statusCode).toBe(422);
  });
});

describe('stock levels', () => {
  it('refuses an adjustment past what a level can hold with a 422, not a 500', async () => {
    const loc = await location();
    const sku = uniqueSku('BIG');
    await setStock(loc.id, sku, 10);
    const adjust = (delta: number) => t.call('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { body: { delta, reason: 'bulk' } });
    expect((await adjust(1_000_000_000)).statusCode).toBe(201);
    expect((await adjust(1_000_000_000)).statusCode).toBe(201);
    const over = await adjust(1_000_000_000);
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ code: 'invalid_stock_adjustment', errors: [{ pointer: '/delta' }] });
  });

  it('sets and adjusts stock, recording each change in the ledger', async () => {
    const loc = await location();
    const sku = uniqueSku('SET');
    expect(await setStock(loc.id, sku, 10)).toMatchObject({ object: 'stock_level', sku, location_id: loc.id, on_hand: 10, reserved: 0, available: 10 });
    const adj = await t.call('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { body: { delta: 5, reason: 'received PO 7' } });
    expect(adj.statusCode).toBe(201);
    expect(adj.json()).toMatchObject({ object: 'stock_adjustment', kind: 'adjustment', delta: 5, on_hand_after: 15, reason: 'received PO 7', level: { on_hand: 15, available: 15 } });
    expect(adj.json().actor).toMatch(/^key_/);
    const down = await t.call('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { body: { delta: -4, reason: 'damaged' } });
    expect(down.json().level.on_hand).toBe(11);

    const ledger = (await t.call('GET', `/v1/stock_adjustments?sku=${sku}`)).json().data;
    expect(ledger.map((a: { kind: string; delta: number }) => [a.kind, a.delta])).toEqual([
      ['adjustment', -4],
      ['adjustment', 5],
      ['set', 10],
    ]);
    const atLocation = (await t.call('GET', `/v1/stock_locations/${loc.id}/levels`)).json();
    expect(atLocation.data).toEqual([expect.objectContaining({ sku, on_hand: 11 })]);
  });

  it('never goes below zero or below what is reserved, saying why', async () => {
    const loc = await location();
    const sku = uniqueSku('FLOOR');
    await setStock(loc.id, sku, 3);
    const belowZero = await t.call('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { body: { delta: -4, reason: 'count' } });
    expect(belowZero.statusCode).toBe(422);
    expect(belowZero.json()).toMatchObject({ code: 'on_hand_below_reserved', errors: [{ pointer: '/delta' }] });
    expect(belowZero.json().detail).toContain('below zero');

    await inventory.reserve(ctx(), { reference: 'cart_floor', lines: [{ sku, quantity: 2 }] });
    const belowReserved = await t.call('PUT', `/v1/stock_locations/${loc.id}/levels/${sku}`, { body: { on_hand: 1 } });
    expect(belowReserved.statusCode).toBe(422);
    expect(belowReserved.json()).toMatchObject({ code: 'on_hand_below_reserved', errors: [{ pointer: '/on_hand' }] });
    expect(belowReserved.json().detail).toContain('2 units are reserved');
    const adjustBelow = await t.call('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { body: { delta: -2, reason: 'count' } });
    expect(adjustBelow.json().detail).toContain('2 units reserved');
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 3, reserved: 2 }]);
    expect(await setStock(loc.id, sku, 2)).toMatchObject({ on_hand: 2, reserved: 2, available: 0 });
  });

  it('validates bodies and parameters, and refuses a zero adjustment', async () => {
    const loc = await location();
    const noReason = await t.call('POST', `/v1/stock_locations/${loc.id}/levels/SKU-1/adjustments`, { body: { delta: 1 } });
    expect(noReason.json()).toMatchObject({ status: 422, code: 'validation_failed', errors: [{ pointer: '/reason' }] });
    const zero = await t.call('POST', `/v1/stock_locations/${loc.id}/levels/SKU-1/adjustments`, { body: { delta: 0, reason: 'x' } });
    expect(zero.json()).toMatchObject({ status: 422, code: 'invalid_stock_adjustment', errors: [{ pointer: '/delta' }] });
    const negative = await t.call('PUT', `/v1/stock_locations/${loc.id}/levels/SKU-1`, { body: { on_hand: -1 } });
    expect(negative.json()).toMatchObject({ status: 422, errors: [{ pointer: '/on_hand' }] });
    const asText = await t.call('PUT', `/v1/stock_locations/${loc.id}/levels/SKU-1`, { body: { on_hand: '5' } });
    expect(asText.statusCode).toBe(422);
    const badSku = await t.call('PUT', `/v1/stock_locations/${loc.id}/levels/${encodeURIComponent('bad sku!')}`, { body: { on_hand: 1 } });
    expect(badSku.json()).toMatchObject({ status: 422, errors: [{ parameter: 'sku' }] });
    expect((await t.call('PUT', '/v1/stock_locations/sloc_nope/levels/SKU-1', { body: { on_hand: 1 } })).json().code).toBe('stock_location_not_found');
  });

  it('reports availability per SKU over active locations, with a per-location breakdown', async () => {
    const a = await location();
    const b = await location();
    const closed = await location();
    const sku = uniqueSku('AV');
    await setStock(a.id, sku, 4);
    await setStock(b.id, sku, 6);
    await setStock(closed.id, sku, 100);
    await t.call('PATCH', `/v1/stock_locations/${closed.id}`, { body: { active: false } });
    await inventory.reserve(ctx(), { reference: 'cart_av', lines: [{ sku, quantity: 7 }] });

    const res = await t.call('GET', `/v1/inventory/availability?skus=${sku},NOPE-${n}`);
    expect(res.statusCode).toBe(200);
    const [mine, none] = res.json().data;
    expect(mine).toMatchObject({ object: 'inventory_item', sku, tracked: true, on_hand: 10, reserved: 7, available: 3 });
    expect(mine.locations).toHaveLength(3);
    expect(mine.locations.find((l: { location_id: string }) => l.location_id === closed.id)).toMatchObject({ active: false, on_hand: 100, reserved: 0 });
    expect(none).toMatchObject({ sku: `NOPE-${n}`, on_hand: 0, reserved: 0, available: 0, locations: [] });
    expect((await t.call('GET', `/v1/inventory_items/${sku}`)).json()).toEqual(mine);

    const bad = await t.call('GET', '/v1/inventory/availability?skus=ok,bad%20sku');
    expect(bad.json()).toMatchObject({ status: 422, code: 'validation_failed', errors: [{ parameter: 'skus' }] });
    expect((await t.call('GET', '/v1/inventory/availability')).statusCode).toBe(422);
  });
});

describe('auth', () => {
  it('is operator-only: publishable keys get 403, and a read scope cannot write', async () => {
    for (const [method, url] of [
      ['GET', '/v1/stock_locations'],
      ['POST', '/v1/stock_locations'],
      ['GET', '/v1/inventory/availability?skus=A'],
      ['GET', '/v1/reservations/res_x'],
    ] as const) {
      const res = await t.call(method, url, { key: t.keys.publishable, ...(method === 'POST' ? { body: { name: 'x' } } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('insufficient_scope');
    }
    expect((await t.call('GET', '/v1/stock_locations', { key: null })).statusCode).toBe(401);
    const reader = await createKey(t, { type: 'restricted', scopes: ['inventory:read'] });
    expect((await t.call('GET', '/v1/stock_locations', { key: reader })).statusCode).toBe(200);
    const write = await t.call('POST', '/v1/stock_locations', { key: reader, body: { name: 'x' } });
    expect(write.statusCode).toBe(403);
    expect(write.json().detail).toContain('inventory:write');
  });

  it('keeps test and live stock apart', async () => {
    const loc = await location();
    expect((await t.call('GET', `/v1/stock_locations/${loc.id}`, { key: t.keys.liveSecret })).statusCode).toBe(404);
  });
});

describe('reservations through the API', () => {
  it('reads, lists and releases (idempotently) what checkout reserved; a commit keeps the units reserved, a shipment shows in the ledger', async () => {
    const loc = await location();
    const sku = uniqueSku('API');
    await setStock(loc.id, sku, 5);
    const r = await inventory.reserve(ctx(), { reference: 'cart_api', lines: [{ sku, quantity: 2 }] });
    expect((await t.call('GET', `/v1/reservations/${r.id}`)).json()).toEqual(r);
    const listed = await t.call('GET', '/v1/reservations?reference=cart_api&status=active');
    expect(listed.json().data.map((x: Reservation) => x.id)).toEqual([r.id]);

    const released = await t.call('POST', `/v1/reservations/${r.id}/release`);
    expect(released.statusCode).toBe(200);
    expect(released.json()).toMatchObject({ id: r.id, status: 'released' });
    expect((await t.call('POST', `/v1/reservations/${r.id}/release`)).json()).toMatchObject({ status: 'released' });
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 5, reserved: 0 }]);
    expect((await t.call('GET', '/v1/reservations/res_nope')).json()).toMatchObject({ status: 404, code: 'reservation_not_found' });

    const sold = await inventory.reserve(ctx(), { reference: 'cart_api', lines: [{ sku, quantity: 3 }] });
    await inventory.commit(ctx(), sold.id);
    expect((await t.call('GET', `/v1/stock_adjustments?reservation_id=${sold.id}`)).json().data).toEqual([]);
    expect((await t.call('GET', `/v1/inventory_items/${sku}`)).json()).toMatchObject({ on_hand: 5, reserved: 3, available: 2 });
    await inventory.ship(ctx(), { reservation_id: sold.id, location_id: loc.id, lines: [{ sku, quantity: 3 }] });
    const ledger = (await t.call('GET', `/v1/stock_adjustments?reservation_id=${sold.id}`)).json().data;
    expect(ledger).toEqual([expect.objectContaining({ kind: 'ship', sku, location_id: loc.id, delta: -3, on_hand_after: 2 })]);
    expect((await t.call('GET', `/v1/inventory_items/${sku}`)).json()).toMatchObject({ on_hand: 2, reserved: 0, available: 2 });
    expect((await t.call('GET', `/v1/reservations/${sold.id}`)).json()).toMatchObject({ status: 'committed', lines: [{ quantity: 3, shipped: 3, released: 0, restocked: 0 }] });
  });

  it('marks a SKU untracked, after which reservations never run out', async () => {
    const sku = uniqueSku('DIGITAL');
    const patched = await t.call('PATCH', `/v1/inventory_items/${sku}`, { body: { tracked: false } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ object: 'inventory_item', sku, tracked: false });
    const r = await inventory.reserve(ctx(), { reference: 'cart_digital', lines: [{ sku, quantity: 500 }] });
    expect(r.lines).toEqual([{ sku, location_id: null, quantity: 500, shipped: 0, released: 0, restocked: 0 }]);
    expect((await t.call('PATCH', `/v1/inventory_items/${sku}`, { body: { tracked: 'no' } })).statusCode).toBe(422);
  });
});

describe('concurrent operator adjustments', () => {
  it('50 concurrent removals of 1 unit from 20 on hand: exactly 20 succeed, the rest get 422', async () => {
    const loc = await location();
    const sku = uniqueSku('SHRINK');
    await setStock(loc.id, sku, 20);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => t.call('POST', `/v1/stock_locations/${loc.id}/levels/${sku}/adjustments`, { body: { delta: -1, reason: 'picked' } })),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(20);
    expect(codes.filter((c) => c === 422)).toHaveLength(30);
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 0, reserved: 0 }]);
    const ledger = (await t.call('GET', `/v1/stock_adjustments?sku=${sku}&limit=100`)).json().data;
    expect(ledger.filter((a: { kind: string }) => a.kind === 'adjustment')).toHaveLength(20);
  });
});
