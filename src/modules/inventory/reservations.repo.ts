import type { Queryable } from '../../platform/db/database.js';
import type { ReservationStatus } from './inventory.schemas.js';

export interface ReservationRow {
  id: string;
  reference: string;
  status: ReservationStatus;
  expires_at: Date;
  /** false: committed under the old rule (its units left on_hand at commit); see migration 002. */
  stock_at_shipment: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface LineRow {
  reservation_id: string;
  position: number;
  sku: string;
  /** null for an untracked SKU: recorded, but holding no units. */
  location_id: string | null;
  quantity: number;
  /** Units taken off hand by shipments (committed reservations). */
  shipped: number;
  /** Units of the allocation given back without shipping (order canceled or refunded). */
  released: number;
  /** Shipped units put back on hand (returns). */
  restocked: number;
}

/** A line that holds units at a location (its SKU is tracked). */
export type TrackedLine = LineRow & { location_id: string };

export function trackedLines(lines: readonly LineRow[]): TrackedLine[] {
  return lines.filter((l): l is TrackedLine => l.location_id !== null);
}

const COLUMNS = 'id, reference, status, expires_at, stock_at_shipment, created_at, updated_at';

/** Reads reservations by id; `lock` takes row locks, which every status change takes first. */
export async function findReservations(db: Queryable, ids: readonly string[], lock = false): Promise<ReservationRow[]> {
  const { rows } = await db.query<ReservationRow>(`SELECT ${COLUMNS} FROM reservations WHERE id = ANY($1::text[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`, [ids]);
  return rows;
}

/** A reservation and its lines, in position order. */
export interface ReservationWithLines {
  row: ReservationRow;
  lines: LineRow[];
}

// FOR UPDATE OF r locks only the reservation (the lines are never locked: they change only under
// its lock). Every output row locks the same reservation row; after waiting on it, each row is
// re-checked against its newest version (EvalPlanQual), so the status read is the current one.
const LOCK_WITH_LINES = `SELECT r.id, r.reference, r.status, r.expires_at, r.stock_at_shipment, r.created_at, r.updated_at,
       l.position, l.sku, l.location_id, l.quantity, l.shipped, l.released, l.restocked
  FROM reservations r LEFT JOIN reservation_lines l ON l.reservation_id = r.id
 WHERE r.id = $1 ORDER BY l.position FOR UPDATE OF r`;

/**
 * Locks one reservation and reads its lines in one round trip (`findReservations(…, true)` and
 * `linesOf` together). Lines of an active reservation never change, so reading them in the same
 * statement as the lock is as good as reading them after it. Not for `restock`: its `restocked`
 * counters change under the lock, and a line row read before waiting on the lock could be stale.
 */
export async function lockWithLines(tx: Queryable, id: string): Promise<ReservationWithLines | null> {
  type Row = ReservationRow & { position: number | null; sku: string | null; location_id: string | null; quantity: number | null; shipped: number | null; released: number | null; restocked: number | null };
  const { rows } = await tx.query<Row>(LOCK_WITH_LINES, [id], 'inventory_reservation_lock_with_lines');
  const first = rows[0];
  if (!first) return null;
  const row: ReservationRow = {
    id: first.id,
    reference: first.reference,
    status: first.status,
    expires_at: first.expires_at,
    stock_at_shipment: first.stock_at_shipment,
    created_at: first.created_at,
    updated_at: first.updated_at,
  };
  const lines: LineRow[] = [];
  for (const r of rows) {
    if (r.position === null || r.sku === null || r.quantity === null || r.shipped === null || r.released === null || r.restocked === null) continue; // no lines: the LEFT JOIN's null row
    lines.push({ reservation_id: row.id, position: r.position, sku: r.sku, location_id: r.location_id, quantity: r.quantity, shipped: r.shipped, released: r.released, restocked: r.restocked });
  }
  return { row, lines };
}

/** Locks the active reservations of `reference`, in id order. */
export async function lockActiveByReference(tx: Queryable, reference: string): Promise<ReservationRow[]> {
  const { rows } = await tx.query<ReservationRow>(`SELECT ${COLUMNS} FROM reservations WHERE reference = $1 AND status = 'active' ORDER BY id FOR UPDATE`, [reference]);
  return rows;
}

/**
 * Claims up to `limit` active reservations past their deadline. SKIP LOCKED: a reservation that
 * checkout is committing or releasing right now is left to it, and several job runners never
 * claim the same one.
 */
export async function claimExpired(tx: Queryable, now: Date, limit: number): Promise<ReservationRow[]> {
  const { rows } = await tx.query<ReservationRow>(
    `SELECT ${COLUMNS} FROM reservations WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows;
}

export async function linesOf(db: Queryable, reservationIds: readonly string[]): Promise<LineRow[]> {
  if (!reservationIds.length) return [];
  const { rows } = await db.query<LineRow>(
    'SELECT reservation_id, position, sku, location_id, quantity, shipped, released, restocked FROM reservation_lines WHERE reservation_id = ANY($1::text[]) ORDER BY reservation_id, position',
    [reservationIds],
  );
  return rows;
}

export async function touch(tx: Queryable, id: string, now: Date): Promise<void> {
  await tx.query('UPDATE reservations SET updated_at = $2 WHERE id = $1', [id, now]);
}

/**
 * Records units restocked, shipped or released per line position, for lines read under the
 * reservation's lock (the table's CHECKs keep each within the line's quantity).
 */
export async function addToLines(tx: Queryable, reservationId: string, column: 'restocked' | 'shipped' | 'released', byPosition: ReadonlyMap<number, number>): Promise<void> {
  if (!byPosition.size) return;
  await tx.query(
    `UPDATE reservation_lines r SET ${column} = r.${column} + v.units
     FROM unnest($2::int[], $3::int[]) AS v(position, units) WHERE r.reservation_id = $1 AND r.position = v.position`,
    [reservationId, [...byPosition.keys()], [...byPosition.values()]],
  );
}

/**
 * active → committed, in one conditional statement: false when the reservation was no longer
 * active (released or expired first). It moves no stock: a committed reservation keeps its units
 * reserved as the order's allocation until shipments take them.
 */
export async function markCommitted(tx: Queryable, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await tx.query("UPDATE reservations SET status = 'committed', updated_at = $2 WHERE id = $1 AND status = 'active'", [id, now], 'inventory_mark_committed');
  return rowCount === 1;
}

export async function pageReservations(
  db: Queryable,
  q: { reference?: string; status?: ReservationStatus; after?: string; limit: number },
): Promise<ReservationRow[]> {
  const { rows } = await db.query<ReservationRow>(
    `SELECT ${COLUMNS} FROM reservations
     WHERE ($1::text IS NULL OR reference = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`,
    [q.reference ?? null, q.status ?? null, q.after ?? null, q.limit],
  );
  return rows;
}
