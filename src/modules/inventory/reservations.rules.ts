import { AppError, type FieldError } from '../../platform/http/errors.js';
import type { RequestedLine } from './inventory.allocation.js';
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
    lines: lines.map((l) => ({ sku: l.sku, location_id: l.location_id, quantity: l.quantity, restocked: l.restocked })),
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

/** Units to put back: per line position (the lines' `restocked` counters) and per line (stock levels and the ledger). */
export interface RestockPlan {
  byPosition: Map<number, number>;
  lines: { line: LineRow; units: number }[];
}

/**
 * Works out which committed lines a restock takes units back into: everything not yet restocked
 * when `requested` is absent, otherwise per SKU, from the reservation's lines in order. Untracked
 * lines hold no units and are skipped. Asking for more than was committed and not yet restocked is
 * a 422 naming each SKU.
 */
export function planRestock(lines: readonly LineRow[], requested: readonly RequestedLine[] | undefined): RestockPlan {
  const tracked = lines.filter((l) => l.location_id !== null);
  const plan: RestockPlan = { byPosition: new Map(), lines: [] };
  const take = (line: LineRow, units: number) => {
    if (units <= 0) return;
    plan.byPosition.set(line.position, units);
    plan.lines.push({ line, units });
  };
  if (!requested) {
    for (const line of tracked) take(line, line.quantity - line.restocked);
    return plan;
  }
  const errors: FieldError[] = [];
  const untrackedOnly = new Set(lines.filter((l) => l.location_id === null).map((l) => l.sku));
  requested.forEach((req, i) => {
    const mine = tracked.filter((l) => l.sku === req.sku);
    if (!mine.length && untrackedOnly.has(req.sku)) return; // untracked: nothing was taken from stock
    const open = mine.reduce((n, l) => n + l.quantity - l.restocked - (plan.byPosition.get(l.position) ?? 0), 0);
    if (!Number.isInteger(req.quantity) || req.quantity < 1 || req.quantity > open) {
      errors.push({ detail: `sku ${req.sku}: ${req.quantity} requested, ${open} committed and not yet restocked.`, pointer: `/lines/${i}/quantity` });
      return;
    }
    let remaining = req.quantity;
    for (const line of mine) {
      const free = line.quantity - line.restocked - (plan.byPosition.get(line.position) ?? 0);
      const units = Math.min(free, remaining);
      if (units > 0) {
        plan.byPosition.set(line.position, (plan.byPosition.get(line.position) ?? 0) + units);
        plan.lines.push({ line, units });
      }
      remaining -= units;
    }
  });
  if (errors.length) throw new AppError(InventoryErrors.restockExceedsCommitted, errors.map((e) => e.detail).join(' '), errors);
  return plan;
}
