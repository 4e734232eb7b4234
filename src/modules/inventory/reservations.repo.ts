import type { Queryable } from '../../platform/db/database.js';
import type { ReservationStatus } from './inventory.schemas.js';

export interface ReservationRow {
  id: string;
  reference: string;
  status: ReservationStatus;
  expires_at: Date;
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
  restocked: number;
}

/** A line that holds units at a location (its SKU is tracked). */
export type TrackedLine = LineRow & { location_id: string };

export function trackedLines(lines: readonly LineRow[]): TrackedLine[] {
  return lines.filter((l): l is TrackedLine => l.location_id !== null);
}

const COLUMNS = 'id, reference, status, expires_at, created_at, updated_at';

export async function insertReservation(tx: Queryable, r: Omit<ReservationRow, 'created_at' | 'updated_at'>, now: Date): Promise<ReservationRow> {
  const { rows } = await tx.query<ReservationRow>(
    `INSERT INTO reservations (id, reference, status, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING ${COLUMNS}`,
    [r.id, r.reference, r.status, r.expires_at, now],
  );
  return rows[0]!;
}

export async function insertLines(tx: Queryable, reservationId: string, lines: readonly Omit<LineRow, 'reservation_id' | 'position' | 'restocked'>[]): Promise<LineRow[]> {
  if (!lines.length) return [];
  const { rows } = await tx.query<LineRow>(
    `INSERT INTO reservation_lines (reservation_id, position, sku, location_id, quantity)
     SELECT $1, ord::int, sku, location_id, quantity FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS v(sku, location_id, quantity, ord)
     RETURNING reservation_id, position, sku, location_id, quantity, restocked`,
    [reservationId, lines.map((l) => l.sku), lines.map((l) => l.location_id), lines.map((l) => l.quantity)],
  );
  return rows.sort((a, b) => a.position - b.position);
}

/** Reads reservations by id; `lock` takes row locks, which every status change takes first. */
export async function findReservations(db: Queryable, ids: readonly string[], lock = false): Promise<ReservationRow[]> {
  const { rows } = await db.query<ReservationRow>(`SELECT ${COLUMNS} FROM reservations WHERE id = ANY($1::text[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`, [ids]);
  return rows;
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
    'SELECT reservation_id, position, sku, location_id, quantity, restocked FROM reservation_lines WHERE reservation_id = ANY($1::text[]) ORDER BY reservation_id, position',
    [reservationIds],
  );
  return rows;
}

export async function setStatus(tx: Queryable, ids: readonly string[], status: ReservationStatus, now: Date): Promise<void> {
  await tx.query('UPDATE reservations SET status = $2, updated_at = $3 WHERE id = ANY($1::text[])', [ids, status, now]);
}

export async function touch(tx: Queryable, id: string, now: Date): Promise<void> {
  await tx.query('UPDATE reservations SET updated_at = $2 WHERE id = $1', [id, now]);
}

/** Records units restocked per line (the table's CHECK keeps it within the line's quantity). */
export async function addRestocked(tx: Queryable, reservationId: string, byPosition: ReadonlyMap<number, number>): Promise<void> {
  if (!byPosition.size) return;
  await tx.query(
    `UPDATE reservation_lines r SET restocked = r.restocked + v.units
     FROM unnest($2::int[], $3::int[]) AS v(position, units) WHERE r.reservation_id = $1 AND r.position = v.position`,
    [reservationId, [...byPosition.keys()], [...byPosition.values()]],
  );
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
