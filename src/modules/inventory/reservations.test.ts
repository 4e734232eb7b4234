import { describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { OutOfStockError } from './inventory.errors.js';
import { inventoryTestbed } from './inventory.testbed.js';
import type { Reservation } from './inventory.schemas.js';

// Service-level tests on a real database. The pool is wide enough that concurrent reservations
// really run side by side and queue on PostgreSQL row locks, not on the pool.
const bed = inventoryTestbed();
const { locations, stock, inventory, ids } = bed;

function ctx(now: () => Date = () => new Date()): ServiceContext {
  return { env: 'test', db: bed.db.forEnv('test'), actor: null, requestId: 'req_test', now, ids };
}
let n = 0;
const uniqueSku = (name: string) => `${name}-${++n}`;
const location = async () => locations.create(ctx(), { name: `Warehouse ${++n}` });
const setStock = (locationId: string, sku: string, onHand: number) => stock.set(ctx(), locationId, sku, { on_hand: onHand });

async function levels(sku: string): Promise<{ location_id: string; on_hand: number; reserved: number }[]> {
  const { rows } = await bed.db.forEnv('test').query<{ location_id: string; on_hand: number; reserved: number }>(
    'SELECT location_id, on_hand, reserved FROM stock_levels WHERE sku = $1 ORDER BY location_id',
    [sku],
  );
  return rows;
}
const total = (rows: { on_hand: number; reserved: number }[]) => ({ on_hand: rows.reduce((s, r) => s + r.on_hand, 0), reserved: rows.reduce((s, r) => s + r.reserved, 0) });

/** Runs all calls at once; returns the reservations made and the errors thrown. */
async function settleAll(calls: (() => Promise<Reservation>)[]) {
  const results = await Promise.allSettled(calls.map((c) => c()));
  return {
    made: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

describe('reserve', () => {
  it('is all or nothing, naming every short SKU in a 409 out_of_stock', async () => {
    const loc = await location();
    const [a, b, never] = [uniqueSku('A'), uniqueSku('B'), uniqueSku('NEVER')];
    await setStock(loc.id, a, 5);
    await setStock(loc.id, b, 1);
    const lines = [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 3 },
      { sku: never, quantity: 1 },
    ];
    const err = await inventory.reserve(ctx(), { reference: 'cart_short', lines }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfStockError);
    const oos = err as OutOfStockError;
    expect(oos).toMatchObject({ status: 409, code: 'out_of_stock' });
    expect(oos.errors.map((e) => e.detail)).toEqual([`sku ${b}: 3 requested, 1 available`, `sku ${never}: 1 requested, 0 available`]);
    expect(oos.shortages).toEqual([
      { sku: b, requested: 3, available: 1 },
      { sku: never, requested: 1, available: 0 },
    ]);
    expect(total(await levels(a)).reserved).toBe(0);
  });

  it('merges repeated SKUs, uses the default TTL and refuses malformed input', async () => {
    const loc = await location();
    const sku = uniqueSku('MERGE');
    await setStock(loc.id, sku, 5);
    const r = await inventory.reserve(ctx(), { reference: 'cart_merge', lines: [{ sku, quantity: 1 }, { sku, quantity: 2 }] });
    expect(r).toMatchObject({ object: 'reservation', status: 'active', reference: 'cart_merge', lines: [{ sku, location_id: loc.id, quantity: 3, shipped: 0, released: 0, restocked: 0 }] });
    expect(r.id).toMatch(/^res_/);
    expect(Date.parse(r.expires_at) - Date.parse(r.created_at)).toBe(900_000);
    await expect(inventory.reserve(ctx(), { reference: '', lines: [{ sku, quantity: 0 }] })).rejects.toMatchObject({
      code: 'invalid_reservation',
      errors: [{ pointer: '/reference' }, { pointer: '/lines/0/quantity' }],
    });
  });

  it('takes nothing from inactive locations', async () => {
    const open = await location();
    const closed = await location();
    const sku = uniqueSku('INACTIVE');
    await setStock(open.id, sku, 1);
    await setStock(closed.id, sku, 50);
    await locations.update(ctx(), closed.id, { active: false });
    await expect(inventory.reserve(ctx(), { reference: 'cart_in', lines: [{ sku, quantity: 2 }] })).rejects.toBeInstanceOf(OutOfStockError);
    const r = await inventory.reserve(ctx(), { reference: 'cart_in', lines: [{ sku, quantity: 1 }] });
    expect(r.lines).toEqual([{ sku, location_id: open.id, quantity: 1, shipped: 0, released: 0, restocked: 0 }]);
  });

  it('with replace, a restarted checkout reuses its own stale hold', async () => {
    const loc = await location();
    const sku = uniqueSku('REPLACE');
    await setStock(loc.id, sku, 3);
    const first = await inventory.reserve(ctx(), { reference: 'cart_again', lines: [{ sku, quantity: 2 }] });
    await expect(inventory.reserve(ctx(), { reference: 'cart_again', lines: [{ sku, quantity: 3 }] })).rejects.toBeInstanceOf(OutOfStockError);
    const second = await inventory.reserve(ctx(), { reference: 'cart_again', lines: [{ sku, quantity: 3 }], replace: true });
    expect((await inventory.get(ctx(), first.id)).status).toBe('released');
    expect(second.status).toBe('active');
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 3, reserved: 3 }]);
  });

  it('untracked SKUs never run out and move no stock', async () => {
    const sku = uniqueSku('DIGITAL');
    await stock.setTracked(ctx(), sku, false);
    const r = await inventory.reserve(ctx(), { reference: 'cart_dig', lines: [{ sku, quantity: 1000 }] });
    expect(r.lines).toEqual([{ sku, location_id: null, quantity: 1000, shipped: 0, released: 0, restocked: 0 }]);
    expect((await inventory.commit(ctx(), r.id)).status).toBe('committed');
    const elsewhere = await location();
    await inventory.ship(ctx(), { reservation_id: r.id, location_id: elsewhere.id, lines: [{ sku, quantity: 1000 }] });
    expect(await levels(sku)).toEqual([]);
    await stock.setTracked(ctx(), sku, true);
    await expect(inventory.reserve(ctx(), { reference: 'cart_dig', lines: [{ sku, quantity: 1 }] })).rejects.toBeInstanceOf(OutOfStockError);
  });
});

describe('commit, ship, release and restock', () => {
  it('commits in the caller’s transaction as the order’s allocation: nothing leaves on hand', async () => {
    const a = await location();
    const b = await location();
    const sku = uniqueSku('COMMIT');
    await setStock(a.id, sku, 2);
    await setStock(b.id, sku, 3);
    const r = await inventory.reserve(ctx(), { reference: 'cart_commit', lines: [{ sku, quantity: 4 }] });
    // The caller's transaction rolls back (creating the order failed): the commit rolls back with it.
    await expect(
      bed.db.forEnv('test').transaction(async (tx) => {
        await inventory.commit(ctx(), r.id, tx);
        throw new Error('order insert failed');
      }),
    ).rejects.toThrow('order insert failed');
    expect((await inventory.get(ctx(), r.id)).status).toBe('active');

    await bed.db.forEnv('test').transaction((tx) => inventory.commit(ctx(), r.id, tx));
    expect(total(await levels(sku))).toEqual({ on_hand: 5, reserved: 4 });
    expect((await inventory.availability(ctx(), [sku]))[0]).toMatchObject({ on_hand: 5, reserved: 4, available: 1 });
    await expect(inventory.commit(ctx(), r.id)).rejects.toMatchObject({ status: 409, code: 'reservation_not_active' });
    // committing wrote no ledger row: on_hand did not change
    expect((await stock.listAdjustments(ctx(), { limit: 10, reservation_id: r.id })).data).toEqual([]);
    // nor does releasing it as an active hold undo the allocation
    expect((await inventory.release(ctx(), r.id)).status).toBe('committed');
    expect(total(await levels(sku))).toEqual({ on_hand: 5, reserved: 4 });
  });

  it('ships from where the units are allocated, exactly the units shipped; refuses elsewhere and beyond, writing nothing', async () => {
    const a = await location();
    const b = await location();
    const sku = uniqueSku('SHIP');
    await setStock(a.id, sku, 3);
    await setStock(b.id, sku, 2);
    const r = await inventory.reserve(ctx(), { reference: 'cart_ship', lines: [{ sku, quantity: 4 }] });
    await inventory.commit(ctx(), r.id);
    const at = (id: string) => r.lines.find((l) => l.location_id === id)!.quantity;
    expect([at(a.id), at(b.id)]).toEqual([3, 1]);

    const shipped = await inventory.ship(ctx(), { reservation_id: r.id, location_id: a.id, lines: [{ sku, quantity: 2 }] });
    expect(shipped.lines.find((l) => l.location_id === a.id)).toMatchObject({ shipped: 2, released: 0 });
    expect(await levels(sku)).toEqual(
      [
        { location_id: a.id, on_hand: 1, reserved: 1 },
        { location_id: b.id, on_hand: 2, reserved: 1 },
      ].sort((x, y) => (x.location_id < y.location_id ? -1 : 1)),
    );
    const ledger = await stock.listAdjustments(ctx(), { limit: 10, reservation_id: r.id });
    expect(ledger.data.map((x) => [x.kind, x.location_id, x.delta, x.on_hand_after])).toEqual([['ship', a.id, -2, 1]]);

    const before = await levels(sku);
    // 2 more units exist in the allocation, but only 1 of them at a
    await expect(inventory.ship(ctx(), { reservation_id: r.id, location_id: a.id, lines: [{ sku, quantity: 2 }] })).rejects.toMatchObject({ status: 409, code: 'location_mismatch' });
    await expect(inventory.ship(ctx(), { reservation_id: r.id, location_id: a.id, lines: [{ sku, quantity: 3 }] })).rejects.toMatchObject({ status: 409, code: 'shipment_exceeds_allocation' });
    expect(await levels(sku)).toEqual(before);

    // cancel after a partial shipment: only the unshipped rest goes back, on_hand untouched
    const released = await inventory.releaseAllocation(ctx(), { reservation_id: r.id, keep: [] });
    expect(released.lines.map((l) => [l.location_id, l.shipped, l.released]).sort()).toEqual([[a.id, 2, 1], [b.id, 0, 1]].sort());
    expect(total(await levels(sku))).toEqual({ on_hand: 3, reserved: 0 });
    expect((await inventory.releaseAllocation(ctx(), { reservation_id: r.id, keep: [] })).lines).toEqual(released.lines);
    await expect(inventory.ship(ctx(), { reservation_id: r.id, location_id: b.id, lines: [{ sku, quantity: 1 }] })).rejects.toMatchObject({ code: 'shipment_exceeds_allocation' });

    // restock puts back shipped units only, once
    await expect(inventory.restock(ctx(), { reservation_id: r.id, lines: [{ sku, quantity: 3 }] })).rejects.toMatchObject({ code: 'restock_exceeds_committed' });
    await Promise.all([inventory.restock(ctx(), { reservation_id: r.id }), inventory.restock(ctx(), { reservation_id: r.id })]);
    expect(total(await levels(sku))).toEqual({ on_hand: 5, reserved: 0 });
    const active = await inventory.reserve(ctx(), { reference: 'x', lines: [{ sku, quantity: 1 }] });
    await expect(inventory.ship(ctx(), { reservation_id: active.id, location_id: a.id, lines: [{ sku, quantity: 1 }] })).rejects.toMatchObject({ code: 'reservation_not_committed' });
    await inventory.release(ctx(), active.id);
    await expect(inventory.restock(ctx(), { reservation_id: active.id })).rejects.toMatchObject({ code: 'reservation_not_committed' });
  });

  it('keeps what the order still has to ship when it gives part of the allocation back', async () => {
    const loc = await location();
    const [x, y] = [uniqueSku('KEEPX'), uniqueSku('KEEPY')];
    await setStock(loc.id, x, 5);
    await setStock(loc.id, y, 5);
    const r = await inventory.reserve(ctx(), { reference: 'cart_keep', lines: [{ sku: x, quantity: 3 }, { sku: y, quantity: 2 }] });
    await inventory.commit(ctx(), r.id);
    await inventory.releaseAllocation(ctx(), { reservation_id: r.id, keep: [{ sku: x, quantity: 2 }, { sku: y, quantity: 2 }] });
    expect([(await levels(x))[0], (await levels(y))[0]]).toEqual([{ location_id: loc.id, on_hand: 5, reserved: 2 }, { location_id: loc.id, on_hand: 5, reserved: 2 }]);
  });

  it('a reservation committed before stock left at shipment (migration 002): its shipments move nothing, a cancel’s restock puts all back', async () => {
    const loc = await location();
    const sku = uniqueSku('LEGACY');
    await setStock(loc.id, sku, 5);
    const r = await inventory.reserve(ctx(), { reference: 'cart_legacy', lines: [{ sku, quantity: 2 }] });
    await inventory.commit(ctx(), r.id);
    // as the old rule left it: the units went off hand at commit, and the migration marked it so
    await bed.db.forEnv('test').query('UPDATE reservations SET stock_at_shipment = false WHERE id = $1', [r.id]);
    await bed.db.forEnv('test').query('UPDATE stock_levels SET on_hand = on_hand - 2, reserved = reserved - 2 WHERE sku = $1', [sku]);
    await inventory.ship(ctx(), { reservation_id: r.id, location_id: loc.id, lines: [{ sku, quantity: 1 }] });
    await inventory.releaseAllocation(ctx(), { reservation_id: r.id, keep: [] });
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 3, reserved: 0 }]);
    await inventory.restock(ctx(), { reservation_id: r.id });
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 5, reserved: 0 }]);
  });

  it('two shipments of the last allocated units at once: one ships them, the other gets a 409', async () => {
    const loc = await location();
    const sku = uniqueSku('RACE');
    await setStock(loc.id, sku, 2);
    const r = await inventory.reserve(ctx(), { reference: 'cart_race', lines: [{ sku, quantity: 2 }] });
    await inventory.commit(ctx(), r.id);
    const results = await Promise.allSettled(
      Array.from({ length: 2 }, () => bed.db.forEnv('test').transaction((tx) => inventory.ship(ctx(), { reservation_id: r.id, location_id: loc.id, lines: [{ sku, quantity: 2 }] }, tx))),
    );
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const refused = results.flatMap((x) => (x.status === 'rejected' ? [x.reason as unknown] : []));
    expect(refused).toEqual([expect.objectContaining({ status: 409, code: 'shipment_exceeds_allocation' })]);
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 0, reserved: 0 }]);
    expect((await stock.listAdjustments(ctx(), { limit: 10, reservation_id: r.id })).data).toHaveLength(1);
  });
});

describe('never oversell (concurrency)', () => {
  it('100 concurrent checkouts for 7 units give exactly 7 reservations and 93 out_of_stock 409s', async () => {
    const loc = await location();
    const sku = uniqueSku('RUSH');
    await setStock(loc.id, sku, 7);
    const { made, errors } = await settleAll(Array.from({ length: 100 }, (_, i) => () => inventory.reserve(ctx(), { reference: `cart_rush_${i}`, lines: [{ sku, quantity: 1 }] })));
    expect(made).toHaveLength(7);
    expect(errors).toHaveLength(93);
    for (const e of errors) {
      expect(e).toBeInstanceOf(OutOfStockError);
      expect(e).toMatchObject({ status: 409, code: 'out_of_stock' });
    }
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 7, reserved: 7 }]);
  });

  it('splits across two locations under contention; 7 concurrent commits keep the units allocated, their shipments empty the shelves', async () => {
    const a = await location();
    const b = await location();
    const sku = uniqueSku('SPLIT');
    await setStock(a.id, sku, 4);
    await setStock(b.id, sku, 3);
    const { made, errors } = await settleAll(Array.from({ length: 100 }, (_, i) => () => inventory.reserve(ctx(), { reference: `cart_split_${i}`, lines: [{ sku, quantity: 1 }] })));
    expect(made).toHaveLength(7);
    expect(errors.filter((e) => !(e instanceof OutOfStockError))).toEqual([]);
    const expected = [
      { location_id: a.id, on_hand: 4, reserved: 4 },
      { location_id: b.id, on_hand: 3, reserved: 3 },
    ];
    expect(await levels(sku)).toEqual(expected.sort((x, y) => (x.location_id < y.location_id ? -1 : 1)));
    await Promise.all(made.map((r) => bed.db.forEnv('test').transaction((tx) => inventory.commit(ctx(), r.id, tx))));
    expect(await levels(sku)).toEqual(expected);
    await Promise.all(made.map((r) => inventory.ship(ctx(), { reservation_id: r.id, location_id: r.lines[0]!.location_id!, lines: [{ sku, quantity: 1 }] })));
    expect((await levels(sku)).map((l) => [l.on_hand, l.reserved])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('multi-SKU reservations in opposite orders never deadlock', async () => {
    const loc = await location();
    const [x, y] = [uniqueSku('X'), uniqueSku('Y')];
    await setStock(loc.id, x, 30);
    await setStock(loc.id, y, 30);
    const { made, errors } = await settleAll(
      Array.from({ length: 40 }, (_, i) => () => {
        const lines = [
          { sku: x, quantity: 1 },
          { sku: y, quantity: 1 },
        ];
        return inventory.reserve(ctx(), { reference: `cart_xy_${i}`, lines: i % 2 ? lines : lines.reverse() });
      }),
    );
    // A deadlock would surface as a PostgreSQL error (40P01), not as out_of_stock.
    expect(errors.filter((e) => !(e instanceof OutOfStockError))).toEqual([]);
    expect(made).toHaveLength(30);
    expect((await levels(x))[0]!.reserved).toBe(30);
    expect((await levels(y))[0]!.reserved).toBe(30);
  });

  it('releasing one reservation concurrently gives its units back once', async () => {
    const loc = await location();
    const sku = uniqueSku('REL');
    await setStock(loc.id, sku, 10);
    const keep = await inventory.reserve(ctx(), { reference: 'cart_keep', lines: [{ sku, quantity: 3 }] });
    const dropped = await inventory.reserve(ctx(), { reference: 'cart_drop', lines: [{ sku, quantity: 3 }] });
    const results = await Promise.all(Array.from({ length: 5 }, () => inventory.release(ctx(), dropped.id)));
    expect(results.every((r) => r.status === 'released')).toBe(true);
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 10, reserved: 3 }]);
    expect((await inventory.get(ctx(), keep.id)).status).toBe('active');
  });
});

describe('expiry', () => {
  it('the job releases expired reservations once, never a committed allocation, and an expired one cannot be committed', async () => {
    const loc = await location();
    const sku = uniqueSku('TTL');
    await setStock(loc.id, sku, 10);
    const start = Date.now();
    const at = (ms: number) => () => new Date(start + ms);
    const short = await Promise.all(Array.from({ length: 5 }, (_, i) => inventory.reserve(ctx(at(0)), { reference: `cart_ttl_${i}`, lines: [{ sku, quantity: 1 }], ttlSeconds: 1 })));
    const late = await inventory.reserve(ctx(at(0)), { reference: 'cart_ttl_late', lines: [{ sku, quantity: 2 }], ttlSeconds: 1 });
    const long = await inventory.reserve(ctx(at(0)), { reference: 'cart_ttl_long', lines: [{ sku, quantity: 1 }], ttlSeconds: 600 });
    expect(total(await levels(sku)).reserved).toBe(8);

    expect(await inventory.releaseExpired(ctx(at(500)))).toBe(0);
    // Past its deadline but not yet released by the job: its units are still held, so it commits.
    await inventory.commit(ctx(at(5_000)), late.id);
    // Two runners at once: SKIP LOCKED means each expired reservation is released exactly once.
    const [one, two] = await Promise.all([inventory.releaseExpired(ctx(at(5_000)), { batchSize: 2 }), inventory.releaseExpired(ctx(at(5_000)), { batchSize: 2 })]);
    expect(one + two).toBe(5);
    // late's 2 units are its order's allocation now, long's 1 unit still held
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 10, reserved: 3 }]);
    for (const r of short) expect((await inventory.get(ctx(), r.id)).status).toBe('expired');
    expect((await inventory.get(ctx(), long.id)).status).toBe('active');

    const err = await inventory.commit(ctx(at(6_000)), short[0]!.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 409, code: 'reservation_expired' });
    expect(await inventory.release(ctx(), short[0]!.id)).toMatchObject({ status: 'expired' });
    expect(total(await levels(sku)).reserved).toBe(3);
    // long after every deadline, the job still never touches the committed allocation
    expect(await inventory.releaseExpired(ctx(at(3_600_000)))).toBeGreaterThanOrEqual(1); // long's (and other tests' holds)
    expect((await inventory.get(ctx(), long.id)).status).toBe('expired');
    expect((await inventory.get(ctx(), late.id)).status).toBe('committed');
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 10, reserved: 2 }]);
  });
});
