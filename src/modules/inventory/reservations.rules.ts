import { AppError, type FieldError } from '../../platform/http/errors.js';
import { mergeLines, type RequestedLine } from './inventory.allocation.js';
import { InventoryErrors } from './inventory.errors.js';
import type { Reservation } from './inventory.schemas.js';
import type { LineRow, ReservationRow } from './reservations.repo.js';

export const MAX_TTL_SECONDS = 7 * 24 * 3600;
const MAX_LINES = 1000;
const MAX_QUANTITY = 1_000_000;

/** What `reserve` takes: the reference (e.g. the cart id) and the units per SKU. */
export interface ReserveInput {
  reference: string;
  lines: readonly RequestedLine[];
  /** How long the hold lasts; the configured default (TESSERA_RESERVATION_TTL_SECONDS) otherwise. */
  ttlSeconds?: number;
  /**
   * Release the reference's other active reservations in the same transaction first, so a
   * restarted checkout of the same cart never competes with its own stale hold.
   */
  replace?: boolean;
}

/**
 * Checks a reservation request from code (checkout), which no HTTP schema has validated. Pointers
 * point into the input object.
 */
export function checkReserveInput(input: ReserveInput): void {
  const errors: FieldError[] = [];
  if (typeof input.reference !== 'string' || input.reference.length < 1 || input.reference.length > 200) errors.push({ detail: 'reference must be 1–200 characters.', pointer: '/reference' });
  if (!input.lines || input.lines.length < 1 || input.lines.length > MAX_LINES) errors.push({ detail: `lines must hold 1–${MAX_LINES} lines.`, pointer: '/lines' });
  else {
    input.lines.forEach((line, i) => {
      if (typeof line.sku !== 'string' || line.sku.length < 1 || line.sku.length > 64) errors.push({ detail: 'sku must be 1–64 characters.', pointer: `/lines/${i}/sku` });
      if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) errors.push({ detail: `quantity must be an integer from 1 to ${MAX_QUANTITY}.`, pointer: `/lines/${i}/quantity` });
    });
  }
  if (input.ttlSeconds !== undefined && (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > MAX_TTL_SECONDS)) {
    errors.push({ detail: `ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}.`, pointer: '/ttlSeconds' });
  }
  if (errors.length) throw new AppError(InventoryErrors.invalidReservation, errors.map((e) => e.detail).join(' '), errors);
}

export function presentReservation(row: ReservationRow, lines: readonly LineRow[]): Reservation {
  return {
    id: row.id,
    object: 'reservation',
    reference: row.reference,
    status: row.status,
    expires_at: row.expires_at.toISOString(),
    lines: lines.map((l) => ({ sku: l.sku, location_id: l.location_id, quantity: l.quantity, shipped: l.shipped, released: l.released, restocked: l.restocked })),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Refuses to commit a reservation that is no longer active, with the reason the caller must act on. */
export function assertCommittable(row: ReservationRow): void {
  if (row.status === 'active') return;
  if (row.status === 'expired') {
    throw new AppError(InventoryErrors.reservationExpired, `Reservation ${row.id} expired at ${row.expires_at.toISOString()} and its units were released; reserve again.`);
  }
  throw new AppError(InventoryErrors.reservationNotActive, `Reservation ${row.id} is ${row.status}; only an active reservation can be committed.`);
}

/** Units per line position (the lines' counters) and per line (stock levels and the ledger). */
export interface LinePlan {
  byPosition: Map<number, number>;
  lines: { line: LineRow; units: number }[];
}

/**
 * Units of a committed line that are its order's allocation: reserved at its location, not yet
 * shipped nor released. None for a reservation committed under the old rule (migration 002).
 */
export function allocatedUnits(row: Pick<ReservationRow, 'stock_at_shipment'>, line: LineRow): number {
  return row.stock_at_shipment && line.location_id !== null ? line.quantity - line.shipped - line.released : 0;
}

/**
 * Units of a committed line that are off hand and may be put back: shipped and not yet restocked;
 * under the old rule (units left at commit), all units not yet restocked.
 */
export function restockableUnits(row: Pick<ReservationRow, 'stock_at_shipment'>, line: LineRow): number {
  if (line.location_id === null) return 0;
  return (row.stock_at_shipment ? line.shipped : line.quantity) - line.restocked;
}

/** Takes `units` from `lines` in order, each at most `room(line)` less what the plan already took from it. */
function take(plan: LinePlan, lines: readonly LineRow[], room: (l: LineRow) => number, units: number): void {
  let remaining = units;
  for (const line of lines) {
    if (remaining <= 0) break;
    const n = Math.min(room(line) - (plan.byPosition.get(line.position) ?? 0), remaining);
    if (n <= 0) continue;
    plan.byPosition.set(line.position, (plan.byPosition.get(line.position) ?? 0) + n);
    plan.lines.push({ line, units: n });
    remaining -= n;
  }
}

/**
 * Works out which committed lines a restock takes units back into: everything restockable when
 * `requested` is absent, otherwise per SKU, from the reservation's lines in order. Untracked lines
 * hold no units and are skipped. Asking for more than was shipped and not yet restocked is a 422
 * naming each SKU.
 */
export function planRestock(row: Pick<ReservationRow, 'stock_at_shipment'>, lines: readonly LineRow[], requested: readonly RequestedLine[] | undefined): LinePlan {
  const room = (l: LineRow) => restockableUnits(row, l);
  const tracked = lines.filter((l) => l.location_id !== null);
  const plan: LinePlan = { byPosition: new Map(), lines: [] };
  if (!requested) {
    for (const line of tracked) take(plan, [line], room, room(line));
    return plan;
  }
  const errors: FieldError[] = [];
  const untrackedOnly = new Set(lines.filter((l) => l.location_id === null).map((l) => l.sku));
  requested.forEach((req, i) => {
    const mine = tracked.filter((l) => l.sku === req.sku);
    if (!mine.length && untrackedOnly.has(req.sku)) return; // untracked: nothing was taken from stock
    const open = mine.reduce((n, l) => n + room(l) - (plan.byPosition.get(l.position) ?? 0), 0);
    if (!Number.isInteger(req.quantity) || req.quantity < 1 || req.quantity > open) {
      errors.push({ detail: `sku ${req.sku}: ${req.quantity} requested, ${open} shipped and not yet restocked.`, pointer: `/lines/${i}/quantity` });
      return;
    }
    take(plan, mine, room, req.quantity);
  });
  if (errors.length) throw new AppError(InventoryErrors.restockExceedsCommitted, errors.map((e) => e.detail).join(' '), errors);
  return plan;
}

/**
 * Works out which allocated lines a shipment of `requested` from `locationId` takes its units
 * from. Every unit must be allocated at that location: 409 `location_mismatch` when the units are
 * allocated elsewhere, 409 `shipment_exceeds_allocation` when the order's allocation does not hold
 * that many unshipped units at all. Untracked SKUs hold no units and are skipped.
 */
export function planShipment(row: Pick<ReservationRow, 'id' | 'stock_at_shipment'>, lines: readonly LineRow[], locationId: string, requested: readonly RequestedLine[]): LinePlan {
  const plan: LinePlan = { byPosition: new Map(), lines: [] };
  const mismatched: string[] = [];
  const exceeding: string[] = [];
  for (const req of mergeLines(requested)) {
    const mine = lines.filter((l) => l.sku === req.sku);
    if (mine.length && mine.every((l) => l.location_id === null)) continue;
    const room = (l: LineRow) => allocatedUnits(row, l);
    const here = mine.filter((l) => l.location_id === locationId);
    const atLocation = here.reduce((n, l) => n + room(l), 0);
    if (req.quantity <= atLocation) {
      take(plan, here, room, req.quantity);
      continue;
    }
    const elsewhere = mine.filter((l) => l.location_id !== locationId && room(l) > 0);
    const total = atLocation + elsewhere.reduce((n, l) => n + room(l), 0);
    if (req.quantity <= total) {
      const where = [...new Set(elsewhere.map((l) => l.location_id))].join(', ');
      mismatched.push(`sku ${req.sku}: ${req.quantity} to ship from ${locationId}, ${atLocation} allocated there; the rest is allocated at ${where}`);
    } else exceeding.push(`sku ${req.sku}: ${req.quantity} to ship, ${total} allocated and not yet shipped`);
  }
  if (mismatched.length) throw new AppError(InventoryErrors.locationMismatch, `Ship from where the units are allocated: ${mismatched.join('; ')}.`, mismatched.map((detail) => ({ detail })));
  if (exceeding.length) throw new AppError(InventoryErrors.shipmentExceedsAllocation, `Reservation ${row.id} does not hold these units: ${exceeding.join('; ')}.`, exceeding.map((detail) => ({ detail })));
  return plan;
}

/**
 * Works out which allocated units to give back so that, per SKU, at most `keep` units stay
 * allocated (what the order still has to ship; none for a SKU it does not name). Never fails:
 * a SKU holding no more than `keep` gives nothing back.
 */
export function planRelease(row: Pick<ReservationRow, 'stock_at_shipment'>, lines: readonly LineRow[], keep: readonly RequestedLine[]): LinePlan {
  const plan: LinePlan = { byPosition: new Map(), lines: [] };
  const room = (l: LineRow) => allocatedUnits(row, l);
  const kept = new Map(mergeLines(keep).map((k) => [k.sku, k.quantity]));
  for (const sku of new Set(lines.map((l) => l.sku))) {
    // the last lines first: a SKU split over locations keeps its first (largest) location's units
    const mine = lines.filter((l) => l.sku === sku).reverse();
    const held = mine.reduce((n, l) => n + room(l), 0);
    take(plan, mine, room, held - (kept.get(sku) ?? 0));
  }
  return plan;
}
