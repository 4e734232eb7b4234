import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { allocate, mergeLines, type RequestedLine } from './inventory.allocation.js';
import { OutOfStockError } from './inventory.errors.js';
import type { Reservation } from './inventory.schemas.js';
import * as holds from './holds.repo.js';
import * as levels from './levels.repo.js';
import * as repo from './reservations.repo.js';
import { checkReserveInput, presentReservation, type ReserveInput } from './reservations.rules.js';

/** Two-key advisory lock space of reserve-with-replace, apart from the jobs' one-key locks. */
const REFERENCE_LOCK_SPACE = 7274;

/**
 * Reserves stock for `input` (see `InventoryService.reserve`), all or nothing. One SKU that one
 * location covers, the usual checkout, takes a single statement (`holds.reserveSingleLine`); when
 * that writes nothing, and for everything else, one transaction locks the levels, allocates and
 * writes the reservation in one more statement. Throws `OutOfStockError`, holding nothing.
 */
export async function reserveStock(ctx: ServiceContext, input: ReserveInput, defaultTtlSeconds: number): Promise<Reservation> {
  checkReserveInput(input);
  const requested = mergeLines(input.lines);
  const now = ctx.now();
  const reservation: holds.NewReservation = {
    id: ctx.ids('res'),
    reference: input.reference,
    expires_at: new Date(now.getTime() + (input.ttlSeconds ?? defaultTtlSeconds) * 1000),
  };
  const only = requested.length === 1 ? requested[0] : undefined;
  if (only && !input.replace) {
    const locationId = await holds.reserveSingleLine(ctx.db, { ...reservation, sku: only.sku, quantity: only.quantity }, now);
    if (locationId !== null) return present(reservation, [{ sku: only.sku, location_id: locationId, quantity: only.quantity }], now);
  }
  return ctx.db.transaction((tx) => reserveLocked(tx, reservation, input, requested, now));
}

/** The general path, in one transaction: lock, allocate, write. */
async function reserveLocked(tx: Queryable, reservation: holds.NewReservation, input: ReserveInput, requested: readonly RequestedLine[], now: Date): Promise<Reservation> {
  let replaced: repo.ReservationRow[] = [];
  let replacedLines: repo.TrackedLine[] = [];
  if (input.replace) {
    // Serializes reserves of one reference, so two restarts cannot both keep a hold.
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [REFERENCE_LOCK_SPACE, input.reference]);
    replaced = await repo.lockActiveByReference(tx, input.reference);
    replacedLines = repo.trackedLines(await repo.linesOf(tx, replaced.map((r) => r.id)));
  }
  const skus = [...new Set([...requested.map((r) => r.sku), ...replacedLines.map((l) => l.sku)])].sort();
  const { levels: locked, untracked } = await levels.lockLevelsForReserve(tx, skus);
  const tracked = requested.filter((r) => !untracked.has(r.sku));
  // The replaced holds are given back first, so the new hold can reuse their units.
  const giveBack = new Map<string, number>();
  for (const l of replacedLines) {
    const key = levels.levelKey(l.sku, l.location_id);
    giveBack.set(key, (giveBack.get(key) ?? 0) + l.quantity);
  }
  const snapshot = locked.filter((l) => l.active).map((l) => ({ ...l, reserved: l.reserved - (giveBack.get(levels.levelKey(l.sku, l.location_id)) ?? 0) }));
  const result = allocate(tracked, snapshot);
  if (!result.ok) throw new OutOfStockError(result.shortages);
  const lines = requested.flatMap((r): { sku: string; location_id: string | null; quantity: number }[] =>
    untracked.has(r.sku) ? [{ sku: r.sku, location_id: null, quantity: r.quantity }] : result.allocations.filter((a) => a.sku === r.sku),
  );
  await holds.writeReservation(
    tx,
    {
      reservation,
      lines,
      reserved: [
        ...replacedLines.map((l) => ({ sku: l.sku, location_id: l.location_id, units: -l.quantity })),
        ...result.allocations.map((a) => ({ sku: a.sku, location_id: a.location_id, units: a.quantity })),
      ],
      releasedIds: replaced.map((r) => r.id),
    },
    now,
  );
  return present(reservation, lines, now);
}

/** The reservation as written: the statements insert exactly these values. */
function present(r: holds.NewReservation, lines: readonly { sku: string; location_id: string | null; quantity: number }[], now: Date): Reservation {
  return presentReservation(
    { ...r, status: 'active', stock_at_shipment: true, created_at: now, updated_at: now },
    lines.map((l, i) => ({ ...l, reservation_id: r.id, position: i + 1, shipped: 0, released: 0, restocked: 0 })),
  );
}
