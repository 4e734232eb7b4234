import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import type { Address } from './inventory.schemas.js';

export interface LocationRow {
  id: string;
  name: string;
  code: string | null;
  address: Address | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, code, address, active, created_at, updated_at';

export async function findLocation(db: Queryable, id: string, lock?: 'share' | 'update'): Promise<LocationRow | undefined> {
  const suffix = lock === 'share' ? ' FOR SHARE' : lock === 'update' ? ' FOR UPDATE' : '';
  const { rows } = await db.query<LocationRow>(`SELECT ${COLUMNS} FROM stock_locations WHERE id = $1${suffix}`, [id]);
  return rows[0];
}

export async function pageLocations(db: Queryable, after: string | undefined, limit: number, active: boolean | undefined): Promise<LocationRow[]> {
  const { rows } = await db.query<LocationRow>(
    `SELECT ${COLUMNS} FROM stock_locations
     WHERE ($1::text IS NULL OR id > $1) AND ($3::bool IS NULL OR active = $3)
     ORDER BY id LIMIT $2`,
    [after ?? null, limit, active ?? null],
  );
  return rows;
}

export async function insertLocation(tx: Queryable, l: Omit<LocationRow, 'created_at' | 'updated_at'>, now: Date): Promise<LocationRow> {
  const { rows } = await tx.query<LocationRow>(
    `INSERT INTO stock_locations (id, name, code, address, active, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${COLUMNS}`,
    [l.id, l.name, l.code, l.address === null ? null : JSON.stringify(l.address), l.active, now],
  );
  return rows[0]!;
}

/** Applies a partial update; returns the row, or undefined when there is no such location. */
export async function updateLocation(
  tx: Queryable,
  id: string,
  fields: { name?: string; code?: string | null; address?: Address | null; active?: boolean },
  now: Date,
): Promise<LocationRow | undefined> {
  const { address, ...rest } = fields;
  const set = setClause({ ...rest, address: address === undefined ? undefined : address === null ? null : JSON.stringify(address) }, 3);
  const { rows } = await tx.query<LocationRow>(
    `UPDATE stock_locations SET ${[set.sql, 'updated_at = $2'].filter(Boolean).join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, now, ...set.values],
  );
  return rows[0];
}
