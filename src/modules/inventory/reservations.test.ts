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
    expect(r).toMatchObject({ object: 'reservation', status: 'active', reference: 'cart_merge', lines: [{ sku, location_id: loc.id, quantity: 3, restocked: 0 }] });
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
    expect(r.lines).toEqual([{ sku, location_id: open.id, quantity: 1, restocked: 0 }]);
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
    expect(r.lines).toEqual([{ sku, location_id: null, quantity: 1000, restocked: 0 }]);
    expect((await inventory.commit(ctx(), r.id)).status).toBe('committed');
    expect(await levels(sku)).toEqual([]);
    await stock.setTracked(ctx(), sku, true);
    await expect(inventory.reserve(ctx(), { reference: 'cart_dig', lines: [{ sku, quantity: 1 }] })).rejects.toBeInstanceOf(OutOfStockError);
  });
});

describe('commit and restock', () => {
  it('commits in the caller’s transaction, then restocks a canceled order once', async () => {
    const a = await location();
    const b = await location();
    const sku = uniqueSku('COMMIT');
    await setStock(a.id, sku, 2);
    await setStock(b.id, sku, 3);
    const r = await inventory.reserve(ctx(), { reference: 'cart_commit', lines: [{ sku, quantity: 4 }] });
    // The caller's transaction rolls back (creating the order failed): the stock change rolls back with it.
    await expect(
      bed.db.forEnv('test').transaction(async (tx) => {
        await inventory.commit(ctx(), r.id, tx);
        throw new Error('order insert failed');
      }),
    ).rejects.toThrow('order insert failed');
    expect(total(await levels(sku))).toEqual({ on_hand: 5, reserved: 4 });

    await bed.db.forEnv('test').transaction((tx) => inventory.commit(ctx(), r.id, tx));
    expect(total(await levels(sku))).toEqual({ on_hand: 1, reserved: 0 });
    await expect(inventory.commit(ctx(), r.id)).rejects.toMatchObject({ status: 409, code: 'reservation_not_active' });
    const ledger = await stock.listAdjustments(ctx(), { limit: 10, reservation_id: r.id });
    expect(ledger.data.map((x) => [x.kind, x.delta, x.on_hand_after]).sort()).toEqual([
      ['commit', -1, 1],
      ['commit', -3, 0],
    ]);

    await expect(inventory.restock(ctx(), { reservation_id: r.id, lines: [{ sku, quantity: 5 }] })).rejects.toMatchObject({ code: 'restock_exceeds_committed' });
    const part = await inventory.restock(ctx(), { reservation_id: r.id, lines: [{ sku, quantity: 1 }], reason: 'partial cancel' });
    expect(part.lines.reduce((s, l) => s + l.restocked, 0)).toBe(1);
    // Two full restocks at once: the second finds nothing left to put back.
    await Promise.all([inventory.restock(ctx(), { reservation_id: r.id }), inventory.restock(ctx(), { reservation_id: r.id })]);
    expect(total(await levels(sku))).toEqual({ on_hand: 5, reserved: 0 });
    const released = await inventory.reserve(ctx(), { reference: 'x', lines: [{ sku, quantity: 1 }] });
    await inventory.release(ctx(), released.id);
    await expect(inventory.restock(ctx(), { reservation_id: released.id })).rejects.toMatchObject({ code: 'reservation_not_committed' });
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

  it('splits across two locations under contention, then 7 concurrent commits empty the shelves', async () => {
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
  it('the job releases expired reservations once, and an expired one cannot be committed', async () => {
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
    expect(await levels(sku)).toEqual([{ location_id: loc.id, on_hand: 8, reserved: 1 }]);
    for (const r of short) expect((await inventory.get(ctx(), r.id)).status).toBe('expired');
    expect((await inventory.get(ctx(), long.id)).status).toBe('active');

    const err = await inventory.commit(ctx(at(6_000)), short[0]!.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 409, code: 'reservation_expired' });
    expect(await inventory.release(ctx(), short[0]!.id)).toMatchObject({ status: 'expired' });
    expect(total(await levels(sku)).reserved).toBe(1);
  });
});
