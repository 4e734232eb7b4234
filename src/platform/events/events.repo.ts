import { modeOf, type Environment, type Queryable } from '../db/database.js';
import type { EventContext, EventEnvelope } from './outbox.js';

export interface EventRow {
  id: string;
  type: string;
  created_at: Date;
  data: EventEnvelope['data'];
  context: EventContext;
}

export function toEnvelope(env: Environment, r: EventRow): EventEnvelope {
  return { id: r.id, object: 'event', type: r.type, created_at: r.created_at, environment: modeOf(env), data: r.data, context: r.context };
}

export interface EventFilter {
  /** Exact types, or prefixes written `order.*`. */
  types?: readonly string[];
  createdGte?: Date;
  createdLt?: Date;
  /** Events with ids before this one (lists run newest first). */
  before?: string;
  limit: number;
}

/**
 * Events newest first, optionally of some types (exact or `prefix.*`) and in a created range.
 * Unnamed on purpose: the filters differ per call, so each call gets a plan for its own values.
 */
export async function listEvents(db: Queryable, env: Environment, f: EventFilter): Promise<EventEnvelope[]> {
  const exact = (f.types ?? []).filter((t) => !t.endsWith('.*'));
  // `order.*` becomes the LIKE pattern `order.%`, with LIKE's own wildcards in the prefix escaped
  const prefixes = (f.types ?? []).filter((t) => t.endsWith('.*')).map((t) => `${t.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const { rows } = await db.query<EventRow>(
    `SELECT id, type, created_at, data, context FROM events
     WHERE ($1::text IS NULL OR id < $1)
       AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
       AND (cardinality($4::text[]) + cardinality($5::text[]) = 0 OR type = ANY($4::text[]) OR type LIKE ANY($5::text[]))
     ORDER BY id DESC LIMIT $6`,
    [f.before ?? null, f.createdGte ?? null, f.createdLt ?? null, exact, prefixes, f.limit],
  );
  return rows.map((r) => toEnvelope(env, r));
}

export async function findEvents(db: Queryable, env: Environment, ids: readonly string[]): Promise<EventEnvelope[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<EventRow>('SELECT id, type, created_at, data, context FROM events WHERE id = ANY($1::text[]) ORDER BY id', [ids], 'events_find');
  return rows.map((r) => toEnvelope(env, r));
}

/** Deletes events created before `before`, a batch at a time. Returns how many. */
export async function purgeEvents(db: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < $1 ORDER BY created_at LIMIT $2)
       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = events.id)`,
    [before, limit],
  );
  return rowCount ?? 0;
}
