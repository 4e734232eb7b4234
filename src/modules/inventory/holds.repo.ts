import type { Queryable } from '../../platform/db/database.js';
import { mergeLevelDeltas } from './levels.repo.js';

// Statements that move held units and change reservations together, one round trip each: every
// round trip to PostgreSQL costs more here than the work it carries. Rules they rely on:
// - All sub-statements of one WITH run on the same snapshot, in no promised order, and each
//   data-modifying one runs to completion whether or not anything reads it. So nothing below
//   depends on the order of sibling sub-statements, only on data: a sub-statement that reads
//   another's RETURNING rows cannot act before those rows exist.
// - An UPDATE whose row changed after the snapshot waits for the row lock, then re-checks its
//   WHERE on the newest version and computes SET from it (READ COMMITTED's EvalPlanQual): `l.reserved
//   + n` adds to what is there now, and a condition on stock holds for the stock there now.
// - Row locks, taken by FOR UPDATE or UPDATE, last until the transaction ends.
// - CHECK constraints are checked on every row written; foreign keys at the end of the statement,
//   so lines may reference a reservation inserted by a sibling sub-statement.

/**
 * The fast path of a one-SKU reservation, as a single autocommit statement: picks the active
 * location with the most units available (ties: lowest id, as `allocate` does) if it alone covers
 * `quantity`, holds them there and inserts the reservation and its line. The UPDATE re-checks
 * `on_hand - reserved >= quantity` on the newest row after any wait, so a concurrent reservation
 * that took the units first makes it hold nothing rather than oversell. It takes a single level
 * lock and then waits on no lock a stock writer holds, so it cannot deadlock with them. Untracked
 * SKUs, stock spread over several locations
 * and shortages are not its business: it then writes nothing and the caller takes the general path.
 */
const RESERVE_SINGLE_LINE = `WITH pick AS (
  SELECT l.location_id FROM stock_levels l JOIN stock_locations s ON s.id = l.location_id
   WHERE l.sku = $1::text AND s.active AND l.on_hand - l.reserved >= $2::int
     AND NOT EXISTS (SELECT 1 FROM inventory_items i WHERE i.sku = $1::text AND NOT i.tracked)
   ORDER BY l.on_hand - l.reserved DESC, l.location_id COLLATE "C" LIMIT 1
), held AS (
  UPDATE stock_levels l SET reserved = l.reserved + $2::int, updated_at = $3::timestamptz
    FROM pick WHERE l.sku = $1::text AND l.location_id = pick.location_id AND l.on_hand - l.reserved >= $2::int
  RETURNING l.location_id
), created AS (
  INSERT INTO reservations (id, reference, status, expires_at, created_at, updated_at)
  SELECT $4::text, $5::text, 'active', $6::timestamptz, $3::timestamptz, $3::timestamptz FROM held
), line AS (
  INSERT INTO reservation_lines (reservation_id, position, sku, location_id, quantity)
  SELECT $4::text, 1, $1::text, held.location_id, $2::int FROM held
  RETURNING location_id
)
SELECT location_id FROM line`;

/** A reservation to create: its row's fields. */
export interface NewReservation {
  id: string;
  reference: string;
  expires_at: Date;
}

/**
 * Tries the one-statement reservation of `quantity` units of `sku` (see `RESERVE_SINGLE_LINE`).
 * Returns the location the units are held at, or null when it wrote nothing.
 */
export async function reserveSingleLine(db: Queryable, r: NewReservation & { sku: string; quantity: number }, now: Date): Promise<string | null> {
  const { rows } = await db.query<{ location_id: string }>(RESERVE_SINGLE_LINE, [r.sku, r.quantity, now, r.id, r.reference, r.expires_at], 'inventory_reserve_single_line');
  return rows[0]?.location_id ?? null;
}

// The levels were locked by `lockLevelsForReserve` earlier in this transaction, so the UPDATE here
// only adds what the allocation decided; the CHECKs stand behind it.
const WRITE_RESERVATION = `WITH v AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) AS v(sku, location_id, reserved)
), moved AS (
  UPDATE stock_levels l SET reserved = l.reserved + v.reserved, updated_at = $4::timestamptz
    FROM v WHERE l.sku = v.sku AND l.location_id = v.location_id
  RETURNING 1
), replaced AS (
  UPDATE reservations SET status = 'released', updated_at = $4::timestamptz WHERE id = ANY($5::text[]) AND status = 'active'
  RETURNING 1
), created AS (
  INSERT INTO reservations (id, reference, status, expires_at, created_at, updated_at)
  VALUES ($6::text, $7::text, 'active', $8::timestamptz, $4::timestamptz, $4::timestamptz)
), lines AS (
  INSERT INTO reservation_lines (reservation_id, position, sku, location_id, quantity)
  SELECT $6::text, n.ord::int, n.sku, n.location_id, n.quantity
    FROM unnest($9::text[], $10::text[], $11::int[]) WITH ORDINALITY AS n(sku, location_id, quantity, ord)
  RETURNING 1
)
SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM replaced)::int AS replaced, (SELECT count(*) FROM lines)::int AS lines`;

/** Everything a reservation writes once its units are allocated. */
export interface ReservationWrite {
  reservation: NewReservation;
  /** In position order; `location_id` null for an untracked SKU. */
  lines: readonly { sku: string; location_id: string | null; quantity: number }[];
  /** Units held (positive) or given back (negative, replaced holds) per level, locked by the caller. */
  reserved: readonly { sku: string; location_id: string; units: number }[];
  /** Replaced reservations, locked by the caller and now released. */
  releasedIds: readonly string[];
}

/**
 * Applies a reservation in one statement: level changes, released replaced holds, the new
 * reservation and its lines. Throws (rolling the caller's transaction back) if any level or
 * replaced reservation was not where the caller locked it.
 */
export async function writeReservation(tx: Queryable, w: ReservationWrite, now: Date): Promise<void> {
  const deltas = mergeLevelDeltas(w.reserved.map((d) => ({ sku: d.sku, location_id: d.location_id, on_hand: 0, reserved: d.units })));
  const { rows } = await tx.query<{ moved: number; replaced: number; lines: number }>(
    WRITE_RESERVATION,
    [
      deltas.map((d) => d.sku),
      deltas.map((d) => d.location_id),
      deltas.map((d) => d.reserved),
      now,
      w.releasedIds,
      w.reservation.id,
      w.reservation.reference,
      w.reservation.expires_at,
      w.lines.map((l) => l.sku),
      w.lines.map((l) => l.location_id),
      w.lines.map((l) => l.quantity),
    ],
    'inventory_write_reservation',
  );
  const got = rows[0];
  if (!got || got.moved !== deltas.length || got.replaced !== w.releasedIds.length || got.lines !== w.lines.length) {
    throw new Error(`reservation ${w.reservation.id} not written as planned: ${JSON.stringify(got)} for ${deltas.length} levels, ${w.releasedIds.length} replaced, ${w.lines.length} lines`);
  }
}

// `res` locks the reservations first (every status change takes that lock before the levels'), and
// the levels move only if all of them are still active. `locked` takes the level locks in (sku,
// location) order, as every stock writer does, so settlements never deadlock with each other or
// with reservations. `moved` updates a level only through a row `locked` has already returned,
// which it returns only once it holds that row's lock: the lock order is the sort order whatever
// plan joins them. Only `reserved` moves (a hold given back), so there is no ledger row nor event.
const SETTLE = `WITH res AS MATERIALIZED (
  SELECT id FROM reservations WHERE id = ANY($6::text[]) AND status = 'active' ORDER BY id FOR UPDATE
), v AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) AS v(sku, location_id, reserved)
), locked AS MATERIALIZED (
  SELECT l.sku, l.location_id FROM stock_levels l JOIN v ON v.sku = l.sku AND v.location_id = l.location_id
   WHERE l.sku = ANY($1::text[]) AND l.location_id = ANY($2::text[]) -- index lookups, whatever size the arrays (generic plans guess 10 rows)
     AND (SELECT count(*) FROM res) = cardinality($6::text[]) -- an InitPlan: the reservations are locked (and still active) before any level
   ORDER BY l.sku, l.location_id FOR UPDATE OF l
), moved AS (
  UPDATE stock_levels l SET reserved = l.reserved + v.reserved, updated_at = $4::timestamptz
    FROM locked k JOIN v ON v.sku = k.sku AND v.location_id = k.location_id
   WHERE l.sku = k.sku AND l.location_id = k.location_id
  RETURNING 1
), settled AS (
  UPDATE reservations SET status = $5::text, updated_at = $4::timestamptz WHERE id = ANY($6::text[]) AND status = 'active'
  RETURNING 1
)
SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM settled)::int AS settled`;

/** Active reservations, locked by the caller, given back for good (released or expired). */
export interface Settlement {
  reservationIds: readonly string[];
  status: 'released' | 'expired';
  /** Units each level holds for them (positive); the levels are locked here. */
  held: readonly { sku: string; location_id: string; units: number }[];
}

/**
 * Settles reservations in one statement: locks their levels in order, takes their units out of
 * `reserved` and sets the status. Throws (rolling the caller's transaction back) unless every
 * level and reservation was written.
 */
export async function settleReservations(tx: Queryable, s: Settlement, now: Date): Promise<void> {
  const deltas = mergeLevelDeltas(s.held.map((h) => ({ sku: h.sku, location_id: h.location_id, on_hand: 0, reserved: -h.units })));
  const { rows } = await tx.query<{ moved: number; settled: number }>(
    SETTLE,
    [deltas.map((d) => d.sku), deltas.map((d) => d.location_id), deltas.map((d) => d.reserved), now, s.status, s.reservationIds],
    'inventory_settle_reservations',
  );
  const got = rows[0];
  if (!got || got.moved !== deltas.length || got.settled !== s.reservationIds.length) {
    throw new Error(`reservations not settled as planned: ${JSON.stringify(got)} for ${deltas.length} levels, ${s.reservationIds.length} reservations`);
  }
}
