import type { Queryable } from '../../platform/db/database.js';

export interface LevelRow {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  /** Whether the level's location is active (new reservations take stock from active ones only). */
  active: boolean;
  updated_at: Date;
}

const LEVEL_COLUMNS = 'l.sku, l.location_id, l.on_hand, l.reserved, s.active, l.updated_at';

/**
 * Locks every stock level of `skus`, in (sku, location) order. Every transaction that changes
 * stock levels of several SKUs locks them in this order first (here, in `lockLevelsForReserve` or
 * in `holds.settleReservations`), so they all take row locks in one order and never deadlock.
 */
export async function lockLevels(tx: Queryable, skus: readonly string[]): Promise<LevelRow[]> {
  if (!skus.length) return [];
  const { rows } = await tx.query<LevelRow>(
    `SELECT ${LEVEL_COLUMNS} FROM stock_levels l JOIN stock_locations s ON s.id = l.location_id
     WHERE l.sku = ANY($1::text[]) ORDER BY l.sku, l.location_id FOR UPDATE OF l`,
    [skus],
  );
  return rows;
}

/** Stock levels locked for a reservation, and which of the SKUs asked about are untracked. */
export interface LockedForReserve {
  levels: LevelRow[];
  untracked: Set<string>;
}

// The locks are taken inside the MATERIALIZED CTE, above its sort, so in (sku, location) order as
// in `lockLevels`; the outer query reads it to the end, so every level of `skus` is locked. The
// untracked SKUs come back in the same round trip: UNION cannot carry FOR UPDATE itself, hence the CTE.
const LOCK_FOR_RESERVE = `WITH locked AS MATERIALIZED (
  SELECT ${LEVEL_COLUMNS} FROM stock_levels l JOIN stock_locations s ON s.id = l.location_id
  WHERE l.sku = ANY($1::text[]) ORDER BY l.sku, l.location_id FOR UPDATE OF l
)
SELECT sku, location_id, on_hand, reserved, active, updated_at, false AS untracked FROM locked
UNION ALL
SELECT sku, NULL, NULL, NULL, NULL, NULL, true FROM inventory_items WHERE sku = ANY($1::text[]) AND NOT tracked`;

/**
 * `lockLevels` and `untrackedSkus` in one round trip: locks every stock level of `skus` (tracked
 * or not: locking an untracked SKU's levels is harmless) in (sku, location) order.
 */
export async function lockLevelsForReserve(tx: Queryable, skus: readonly string[]): Promise<LockedForReserve> {
  // An untracked row's level columns are null; the type names only what each kind of row carries.
  type Row = (LevelRow & { untracked: false }) | { sku: string; untracked: true };
  const { rows } = await tx.query<Row>(LOCK_FOR_RESERVE, [skus], 'inventory_lock_for_reserve');
  const out: LockedForReserve = { levels: [], untracked: new Set() };
  for (const r of rows) {
    if (r.untracked) out.untracked.add(r.sku);
    else out.levels.push({ sku: r.sku, location_id: r.location_id, on_hand: r.on_hand, reserved: r.reserved, active: r.active, updated_at: r.updated_at });
  }
  return out;
}

/** One page of the stock levels at a location, by SKU. */
export async function pageLevelsAt(db: Queryable, locationId: string, afterSku: string | undefined, limit: number): Promise<LevelRow[]> {
  const { rows } = await db.query<LevelRow>(
    `SELECT ${LEVEL_COLUMNS} FROM stock_levels l JOIN stock_locations s ON s.id = l.location_id
     WHERE l.location_id = $1 AND ($2::text IS NULL OR l.sku > $2) ORDER BY l.sku LIMIT $3`,
    [locationId, afterSku ?? null, limit],
  );
  return rows;
}

/** Stock levels of `skus` without locks, for availability reads. */
export async function levelsOf(db: Queryable, skus: readonly string[]): Promise<LevelRow[]> {
  const { rows } = await db.query<LevelRow>(
    `SELECT ${LEVEL_COLUMNS} FROM stock_levels l JOIN stock_locations s ON s.id = l.location_id
     WHERE l.sku = ANY($1::text[]) ORDER BY l.sku, l.location_id`,
    [skus],
  );
  return rows;
}

/** Locks one level, creating it with nothing on hand first if it does not exist yet. */
export async function lockOrCreateLevel(tx: Queryable, sku: string, locationId: string, now: Date): Promise<LevelRow> {
  await tx.query(
    `INSERT INTO stock_levels (sku, location_id, on_hand, reserved, created_at, updated_at) VALUES ($1, $2, 0, 0, $3, $3)
     ON CONFLICT (sku, location_id) DO NOTHING`,
    [sku, locationId, now],
  );
  const { rows } = await tx.query<LevelRow>(
    `SELECT ${LEVEL_COLUMNS} FROM stock_levels l JOIN stock_locations s ON s.id = l.location_id
     WHERE l.sku = $1 AND l.location_id = $2 FOR UPDATE OF l`,
    [sku, locationId],
  );
  return rows[0]!;
}

/** The key `applyLevelDeltas` returns new on_hand values under. */
export function levelKey(sku: string, locationId: string): string {
  return `${sku}\u0000${locationId}`;
}

/** A change to one stock level: how many units on hand and reserved it gains (negative: loses). */
export interface LevelDelta {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
}

/**
 * Adds up the deltas of each level and drops those that come to nothing: an `UPDATE … FROM`
 * applies only one of several source rows matching the same level, so every statement that
 * applies deltas takes them merged.
 */
export function mergeLevelDeltas(deltas: readonly LevelDelta[]): LevelDelta[] {
  const merged = new Map<string, LevelDelta>();
  for (const d of deltas) {
    const key = levelKey(d.sku, d.location_id);
    const m = merged.get(key);
    merged.set(key, m ? { ...m, on_hand: m.on_hand + d.on_hand, reserved: m.reserved + d.reserved } : { ...d });
  }
  return [...merged.values()].filter((d) => d.on_hand !== 0 || d.reserved !== 0);
}

/**
 * Applies deltas to levels the caller has locked. Deltas of the same level are added up first:
 * an `UPDATE … FROM` applies only one of several matching source rows. Returns the new on_hand
 * per level. The table's CHECKs (reserved between 0 and on_hand) refuse any change that would
 * oversell, so a bug here fails loudly instead of selling stock twice.
 */
export async function applyLevelDeltas(tx: Queryable, deltas: readonly LevelDelta[], now: Date): Promise<Map<string, number>> {
  const list = mergeLevelDeltas(deltas);
  if (!list.length) return new Map();
  const { rows } = await tx.query<{ sku: string; location_id: string; on_hand: number }>(
    `UPDATE stock_levels l SET on_hand = l.on_hand + v.on_hand, reserved = l.reserved + v.reserved, updated_at = $5
     FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS v(sku, location_id, on_hand, reserved)
     WHERE l.sku = v.sku AND l.location_id = v.location_id AND l.sku = ANY($1::text[]) AND l.location_id = ANY($2::text[])
     RETURNING l.sku, l.location_id, l.on_hand`,
    [list.map((d) => d.sku), list.map((d) => d.location_id), list.map((d) => d.on_hand), list.map((d) => d.reserved), now],
    'inventory_apply_level_deltas',
  );
  if (rows.length !== list.length) throw new Error(`stock levels missing: updated ${rows.length} of ${list.length}`);
  return new Map(rows.map((r) => [levelKey(r.sku, r.location_id), r.on_hand]));
}

/** SKUs of `skus` marked untracked. A SKU without a settings row is tracked. */
export async function untrackedSkus(db: Queryable, skus: readonly string[]): Promise<Set<string>> {
  if (!skus.length) return new Set();
  const { rows } = await db.query<{ sku: string }>('SELECT sku FROM inventory_items WHERE sku = ANY($1::text[]) AND NOT tracked', [skus]);
  return new Set(rows.map((r) => r.sku));
}

export async function setTracked(db: Queryable, sku: string, tracked: boolean, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO inventory_items (sku, tracked, created_at, updated_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (sku) DO UPDATE SET tracked = EXCLUDED.tracked, updated_at = EXCLUDED.updated_at`,
    [sku, tracked, now],
  );
}

export interface AdjustmentRow {
  id: string;
  sku: string;
  location_id: string;
  kind: 'set' | 'adjustment' | 'commit' | 'restock' | 'ship';
  delta: number;
  on_hand_after: number;
  reason: string | null;
  reservation_id: string | null;
  actor: string | null;
  request_id: string | null;
  created_at: Date;
}

const ADJUSTMENT_COLUMNS = 'id, sku, location_id, kind, delta, on_hand_after, reason, reservation_id, actor, request_id, created_at';

/** Appends ledger rows, one per on_hand change. */
export async function insertAdjustments(tx: Queryable, rows: readonly AdjustmentRow[]): Promise<void> {
  if (!rows.length) return;
  const col = <K extends keyof AdjustmentRow>(k: K) => rows.map((r) => r[k]);
  await tx.query(
    `INSERT INTO stock_adjustments (${ADJUSTMENT_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])`,
    [col('id'), col('sku'), col('location_id'), col('kind'), col('delta'), col('on_hand_after'), col('reason'), col('reservation_id'), col('actor'), col('request_id'), col('created_at')],
  );
}

export async function pageAdjustments(
  db: Queryable,
  q: { sku?: string; location_id?: string; reservation_id?: string; after?: string; limit: number },
): Promise<AdjustmentRow[]> {
  // Newest first: an operator looking at a SKU's history wants the latest changes.
  const { rows } = await db.query<AdjustmentRow>(
    `SELECT ${ADJUSTMENT_COLUMNS} FROM stock_adjustments
     WHERE ($1::text IS NULL OR sku = $1) AND ($2::text IS NULL OR location_id = $2) AND ($3::text IS NULL OR reservation_id = $3)
       AND ($4::text IS NULL OR id < $4)
     ORDER BY id DESC LIMIT $5`,
    [q.sku ?? null, q.location_id ?? null, q.reservation_id ?? null, q.after ?? null, q.limit],
  );
  return rows;
}
