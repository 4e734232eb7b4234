import { countingDb } from '../../platform/db/counting.testbed.js';
import { describe, expect, it } from 'vitest';
import type { EnvDb } from '../../platform/db/database.js';
import { listEvents } from '../../platform/events/events.repo.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { allocate } from './inventory.allocation.js';
import { OutOfStockError } from './inventory.errors.js';
import { inventoryTestbed } from './inventory.testbed.js';
import type { Reservation } from './inventory.schemas.js';

// The one-statement paths of reserve, commit, release and expiry: how many round trips each takes,
// that the single-line fast path allocates as `allocate` would and falls back when it cannot, and
// that under a storm of mixed reserves, commits, shipments, releases and expiry the levels, the
// reservations, the ledger and the inventory_level.updated events still agree to the unit.
const bed = inventoryTestbed();
const { locations, stock, inventory, ids } = bed;

function ctx(envDb: EnvDb = bed.db.forEnv('test'), now: () => Date = () => new Date()): ServiceContext {
  return { env: 'test', db: envDb, actor: null, requestId: 'req_roundtrips', now, ids };
}
let n = 0;
const uniqueSku = (name: string) => `${name}-${++n}`;
const location = async () => locations.create(ctx(), { name: `Warehouse ${++n}` });
const setStock = (locationId: string, sku: string, onHand: number) => stock.set(ctx(), locationId, sku, { on_hand: onHand });
/** The inventory_level.updated events of `skus`, oldest first. */
async function levelEvents(skus: readonly string[]) {
  const all = await listEvents(bed.db.forEnv('test'), 'test', { types: ['inventory_level.updated'], limit: 1000 });
  return all.filter((e) => skus.includes(e.data.object.sku as string)).reverse();
}

const counting = () => countingDb(bed.db.forEnv('test'));

describe('round trips', () => {
  it('a one-SKU reservation that one location covers is one statement; commit in the caller’s transaction is two', async () => {
    const loc = await location();
    const sku = uniqueSku('FAST');
    await setStock(loc.id, sku, 5);
    const c = counting();
    const r = await inventory.reserve(ctx(c.db), { reference: 'cart_fast', lines: [{ sku, quantity: 2 }] });
    expect(c.log).toEqual(['inventory_reserve_single_line']);
    expect(await inventory.get(ctx(), r.id)).toEqual(r);

    const inTx: string[] = [];
    await bed.db.forEnv('test').transaction(async (tx) => {
      await inventory.commit(ctx(), r.id, { query: (sql, params, name) => (inTx.push(name ?? sql), tx.query(sql, params, name)), afterCommit: (fn) => tx.afterCommit(fn) });
    });
    expect(inTx).toEqual(['inventory_reservation_lock_with_lines', 'inventory_mark_committed']);
    // the commit moved no stock (the units stay reserved as the order's allocation): no ledger row, no event
    expect((await stock.listAdjustments(ctx(), { limit: 10, reservation_id: r.id })).data).toEqual([]);
    expect(await levelEvents([sku])).toHaveLength(1);
    await inventory.ship(ctx(), { reservation_id: r.id, location_id: loc.id, lines: [{ sku, quantity: 2 }] });
    const ledger = await stock.listAdjustments(ctx(), { limit: 10, reservation_id: r.id });
    expect(ledger.data).toMatchObject([{ kind: 'ship', sku, location_id: loc.id, delta: -2, on_hand_after: 3, request_id: 'req_roundtrips' }]);
    // the set and the shipment wrote their events; the hold and the commit wrote none
    expect((await levelEvents([sku])).map((e) => [e.data.object.on_hand, e.data.previous_attributes])).toEqual([
      [5, { on_hand: 0, available: 0 }],
      [3, { on_hand: 5, reserved: 2 }],
    ]);
  });

  it('several SKUs take one transaction of two statements, and a release another', async () => {
    const loc = await location();
    const [a, b, digital] = [uniqueSku('MA'), uniqueSku('MB'), uniqueSku('MD')];
    await setStock(loc.id, a, 3);
    await setStock(loc.id, b, 3);
    await stock.setTracked(ctx(), digital, false);
    const c = counting();
    const r = await inventory.reserve(ctx(c.db), { reference: 'cart_multi', lines: [{ sku: b, quantity: 1 }, { sku: digital, quantity: 9 }, { sku: a, quantity: 3 }] });
    expect(c.log).toEqual(['BEGIN', 'inventory_lock_for_reserve', 'inventory_write_reservation', 'END']);
    expect(r.lines).toEqual([
      { sku: a, location_id: loc.id, quantity: 3, shipped: 0, released: 0, restocked: 0 },
      { sku: b, location_id: loc.id, quantity: 1, shipped: 0, released: 0, restocked: 0 },
      { sku: digital, location_id: null, quantity: 9, shipped: 0, released: 0, restocked: 0 },
    ]);
    expect(await inventory.get(ctx(), r.id)).toEqual(r);

    c.log.length = 0;
    expect(await inventory.release(ctx(c.db), r.id)).toMatchObject({ status: 'released' });
    expect(c.log).toEqual(['BEGIN', 'inventory_reservation_lock_with_lines', 'inventory_settle_reservations', 'END']);
    c.log.length = 0;
    expect(await inventory.release(ctx(c.db), r.id)).toMatchObject({ status: 'released' });
    expect(c.log).toEqual(['BEGIN', 'inventory_reservation_lock_with_lines', 'END']);
    expect((await stock.availability(ctx(), [a, b])).map((x) => x.reserved)).toEqual([0, 0]);
  });
});

describe('commit from what reserve returned', () => {
  it('is one statement, and commits exactly what commit would', async () => {
    const loc = await location();
    const sku = uniqueSku('KNOWN');
    await setStock(loc.id, sku, 6);
    const r = await inventory.reserve(ctx(), { reference: 'cart_known', lines: [{ sku, quantity: 4 }] });
    const inTx: string[] = [];
    const committed = await bed.db.forEnv('test').transaction((tx) =>
      inventory.commitReserved(ctx(), r, { query: (sql, params, name) => (inTx.push(name ?? sql), tx.query(sql, params, name)), afterCommit: (fn) => tx.afterCommit(fn) }),
    );
    expect(inTx).toEqual(['inventory_mark_committed']);
    expect(committed.status).toBe('committed');
    expect(await inventory.get(ctx(), r.id)).toMatchObject({ status: 'committed' });
    expect((await stock.availability(ctx(), [sku]))[0]).toMatchObject({ on_hand: 6, reserved: 4, available: 2 });
  });

  it('refuses a reservation released meanwhile (409), moving no stock', async () => {
    const loc = await location();
    const sku = uniqueSku('GONE');
    await setStock(loc.id, sku, 6);
    const r = await inventory.reserve(ctx(), { reference: 'cart_gone', lines: [{ sku, quantity: 4 }] });
    await inventory.release(ctx(), r.id);
    const err = await bed.db
      .forEnv('test')
      .transaction((tx) => inventory.commitReserved(ctx(), r, tx))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(409);
    expect((await stock.availability(ctx(), [sku]))[0]).toMatchObject({ on_hand: 6, reserved: 0, available: 6 });
    expect(await inventory.get(ctx(), r.id)).toMatchObject({ status: 'released' });
  });
});

describe('the single-line fast path', () => {
  it('allocates as allocate() does: most available first, ties to the lowest location id', async () => {
    const [x, y] = [await location(), await location()];
    const sku = uniqueSku('PICK');
    await setStock(x.id, sku, 3);
    await setStock(y.id, sku, 5);
    const levels = async () => (await stock.availability(ctx(), [sku]))[0]!.locations.map((l) => ({ sku, location_id: l.location_id, on_hand: l.on_hand, reserved: l.reserved }));
    for (let i = 0; i < 6; i++) {
      const expected = allocate([{ sku, quantity: 1 }], await levels());
      const r = await inventory.reserve(ctx(), { reference: `cart_pick_${i}`, lines: [{ sku, quantity: 1 }] });
      expect(expected.ok && expected.allocations[0]!.location_id).toBe(r.lines[0]!.location_id);
    }
    expect((await levels()).map((l) => l.reserved).sort()).toEqual([2, 4]);
  });

  it('falls back to splitting across locations when no single one covers the quantity', async () => {
    const [x, y] = [await location(), await location()];
    const sku = uniqueSku('SPLITFB');
    await setStock(x.id, sku, 3);
    await setStock(y.id, sku, 3);
    const c = counting();
    const r = await inventory.reserve(ctx(c.db), { reference: 'cart_split_fb', lines: [{ sku, quantity: 5 }] });
    expect(c.log).toEqual(['inventory_reserve_single_line', 'BEGIN', 'inventory_lock_for_reserve', 'inventory_write_reservation', 'END']);
    expect(r.lines.map((l) => l.quantity).sort()).toEqual([2, 3]);
    c.log.length = 0;
    await expect(inventory.reserve(ctx(c.db), { reference: 'cart_split_fb', lines: [{ sku, quantity: 2 }] })).rejects.toBeInstanceOf(OutOfStockError);
    expect(c.log).toEqual(['inventory_reserve_single_line', 'BEGIN', 'inventory_lock_for_reserve', 'END']);
    expect(await inventory.list(ctx(), { limit: 10, reference: 'cart_split_fb' })).toMatchObject({ data: [{ id: r.id }] });
  });
});

/**
 * Reservations, levels and ledger of `skus` must agree: reserved = active holds + committed
 * allocations not yet shipped nor released; on_hand = start - shipped units = start + ledger.
 */
async function expectConsistent(skus: readonly string[], start: ReadonlyMap<string, number>): Promise<void> {
  const q = bed.db.forEnv('test');
  const { rows } = await q.query<{ sku: string; location_id: string; on_hand: number; reserved: number; held: number; ledger: number; shipped: number }>(
    `SELECT l.sku, l.location_id, l.on_hand, l.reserved,
            (SELECT coalesce(sum(CASE r.status WHEN 'active' THEN rl.quantity WHEN 'committed' THEN rl.quantity - rl.shipped - rl.released ELSE 0 END), 0)::int
               FROM reservation_lines rl JOIN reservations r ON r.id = rl.reservation_id
              WHERE rl.sku = l.sku AND rl.location_id = l.location_id) AS held,
            (SELECT coalesce(sum(a.delta), 0)::int FROM stock_adjustments a WHERE a.sku = l.sku AND a.location_id = l.location_id AND a.kind IN ('commit', 'ship')) AS ledger,
            (SELECT coalesce(sum(rl.shipped), 0)::int FROM reservation_lines rl WHERE rl.sku = l.sku AND rl.location_id = l.location_id) AS shipped
       FROM stock_levels l WHERE l.sku = ANY($1::text[])`,
    [skus],
  );
  expect(rows.length).toBe(start.size);
  for (const r of rows) {
    const at = `${r.sku}@${r.location_id}`;
    expect({ at, reserved: r.reserved, on_hand: r.on_hand, ledger: r.ledger }).toEqual({ at, reserved: r.held, on_hand: start.get(at)! - r.shipped, ledger: 0 - r.shipped || 0 });
  }
}

describe('never oversell, never deadlock (mixed storm)', () => {
  it('concurrent fast and general reserves, commits, shipments, releases and expiry keep levels, reservations, ledger and events in agreement', async () => {
    const [x, y] = [await location(), await location()];
    const [p, q] = [uniqueSku('STORM-P'), uniqueSku('STORM-Q')];
    const start = new Map<string, number>();
    for (const [loc, sku, units] of [[x, p, 6], [y, p, 4], [x, q, 5], [y, q, 5]] as const) {
      await setStock(loc.id, sku, units);
      start.set(`${sku}@${loc.id}`, units);
    }
    const shapes = [
      [{ sku: p, quantity: 1 }],
      [{ sku: q, quantity: 2 }],
      [{ sku: p, quantity: 1 }, { sku: q, quantity: 1 }],
      [{ sku: q, quantity: 1 }, { sku: p, quantity: 1 }],
      [{ sku: p, quantity: 5 }],
    ];
    const reserveSome = (count: number, tag: string, ttlSeconds?: number) =>
      Array.from({ length: count }, (_, i) => () => inventory.reserve(ctx(), { reference: `cart_storm_${tag}_${i}`, lines: shapes[i % shapes.length]!, ttlSeconds }));
    const settle = async (calls: (() => Promise<unknown>)[]) => {
      const results = await Promise.allSettled(calls.map((c) => c()));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      // A deadlock or a CHECK violation would surface here as a PostgreSQL error. A commit may lose
      // the race with the expiry job: that is the 409 checkout is told to fail on.
      expect(errors.filter((e) => !(e instanceof OutOfStockError) && !(e instanceof AppError && e.code === 'reservation_expired'))).toEqual([]);
      return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    };

    const first = (await settle(reserveSome(30, 'a', 1))) as Reservation[];
    expect(first.length).toBeGreaterThan(3);
    await expectConsistent([p, q], start);
    const later = () => new Date(Date.now() + 5_000);
    await settle([
      ...first.map((r, i) => () => (i % 3 === 0 ? bed.db.forEnv('test').transaction((tx) => inventory.commit(ctx(), r.id, tx)) : i % 3 === 1 ? inventory.release(ctx(), r.id) : Promise.resolve(r))),
      ...reserveSome(30, 'b'),
      () => inventory.releaseExpired(ctx(bed.db.forEnv('test'), later), { batchSize: 3 }),
    ]);
    await expectConsistent([p, q], start);
    // the committed ones ship, in part or in full, or give their allocation back, while others reserve
    // (only those whose commit won its race with the expiry job: an expired hold ships nothing)
    const committed: Reservation[] = [];
    for (const r of first.filter((_, i) => i % 3 === 0)) if ((await inventory.get(ctx(), r.id)).status === 'committed') committed.push(r);
    await settle([
      ...committed.map((r, i) => () => {
        if (i % 3 === 2) return inventory.releaseAllocation(ctx(), { reservation_id: r.id, keep: [] });
        const line = r.lines[0]!;
        return inventory.ship(ctx(), { reservation_id: r.id, location_id: line.location_id!, lines: [{ sku: line.sku, quantity: i % 3 === 0 ? line.quantity : 1 }] });
      }),
      ...reserveSome(20, 'c'),
    ]);
    await expectConsistent([p, q], start);
    // every unit that left a level is in its events: their on_hand changes add up to what it holds
    const now = await stock.availability(ctx(), [p, q]);
    const byLevel = new Map<string, number>();
    for (const e of await levelEvents([p, q])) {
      const at = `${String(e.data.object.sku)}@${String(e.data.object.location_id)}`;
      byLevel.set(at, (byLevel.get(at) ?? 0) + (e.data.object.on_hand as number) - (e.data.previous_attributes!.on_hand as number));
    }
    expect(Object.fromEntries(byLevel)).toEqual(Object.fromEntries(now.flatMap((a) => a.locations.map((l) => [`${a.sku}@${l.location_id}`, l.on_hand]))));
    const allowed = [['committed', 'expired'], ['released', 'expired'], ['active', 'expired']];
    for (const [i, r] of first.entries()) expect(allowed[i % 3]).toContain((await inventory.get(ctx(), r.id)).status);
  });
});
