import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import { eventCtes, eventParams, notifyAfterCommit, type EventEnvelope } from '../../platform/events/outbox.js';
import { computedEventCtes } from '../../platform/events/outbox.js';
import { isoTimestamp } from './inventory.events.js';
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

/** A location row as the API shows it (`present` in locations.service.ts), in SQL. */
function presentedSql(alias: string): string {
  const c = (column: string) => `${alias}.${column}`;
  return `jsonb_build_object('id', ${c('id')}, 'object', 'stock_location', 'name', ${c('name')}, 'code', ${c('code')}, 'address', ${c('address')}, 'active', ${c('active')},
    'created_at', ${isoTimestamp(c('created_at'))}, 'updated_at', ${isoTimestamp(c('updated_at'))})`;
}

/** Inserts a location and, in the same statement, its `stock_location.created` event (`events`). */
export async function insertLocation(db: Queryable, l: Omit<LocationRow, 'created_at' | 'updated_at'>, now: Date, events: readonly EventEnvelope[]): Promise<LocationRow> {
  const { rows } = await db.query<LocationRow>(
    `WITH inserted AS (
       INSERT INTO stock_locations (id, name, code, address, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${COLUMNS}
     ), ${eventCtes(7)}
     SELECT ${COLUMNS} FROM inserted`,
    [l.id, l.name, l.code, l.address === null ? null : JSON.stringify(l.address), l.active, now, ...eventParams(events)],
  );
  notifyAfterCommit(db);
  return rows[0]!;
}

/**
 * Applies a partial update; returns the row, or undefined when there is no such location. The same
 * statement writes the `stock_location.updated` event (`event`, its data filled in here from the
 * row before and after), unless nothing but `updated_at` changed.
 */
export async function updateLocation(
  db: Queryable,
  id: string,
  fields: { name?: string; code?: string | null; address?: Address | null; active?: boolean },
  now: Date,
  event: EventEnvelope,
): Promise<LocationRow | undefined> {
  const { address, ...rest } = fields;
  const set = setClause({ ...rest, address: address === undefined ? undefined : address === null ? null : JSON.stringify(address) }, 3);
  const first = 3 + set.values.length;
  // `before` locks the row, and the UPDATE reads it, so it changes the row `before` saw.
  const { rows } = await db.query<LocationRow>(
    `WITH before AS (
       SELECT ${COLUMNS} FROM stock_locations WHERE id = $1 FOR UPDATE
     ), after AS (
       UPDATE stock_locations s SET ${[set.sql, 'updated_at = $2'].filter(Boolean).join(', ')} FROM before b WHERE s.id = b.id
       RETURNING ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}
     ), change AS (
       SELECT ${presentedSql('a')} AS object, ${presentedSql('b')} AS was FROM after a JOIN before b ON b.id = a.id
     ), diff AS (
       SELECT object, (SELECT coalesce(jsonb_object_agg(k, was -> k), '{}') FROM jsonb_object_keys(object) AS k
                        WHERE k <> 'updated_at' AND was -> k IS DISTINCT FROM object -> k) AS previous
       FROM change
     ), ${computedEventCtes(first, `jsonb_build_object('object', diff.object, 'previous_attributes', diff.previous)`, `CROSS JOIN diff WHERE diff.previous <> '{}'`)}
     SELECT ${COLUMNS} FROM after`,
    [id, now, ...set.values, ...eventParams([event])],
  );
  notifyAfterCommit(db);
  return rows[0];
}
