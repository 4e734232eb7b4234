import type { Queryable } from '../../platform/db/database.js';

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  replay_of: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

/**
 * Deliveries made by a replay or redelivery, due now. One that would be a second original
 * delivery of an (endpoint, event) pair (no `replay_of`) is skipped.
 */
export async function insertReplays(
  tx: Queryable,
  rows: readonly { id: string; endpoint_id: string; event_id: string; event_type: string; replay_of: string | null }[],
  now: Date,
): Promise<DeliveryRow[]> {
  if (!rows.length) return [];
  const { rows: made } = await tx.query<DeliveryRow>(
    `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, status, next_attempt_at, replay_of, created_at, updated_at)
     SELECT d.id, d.endpoint_id, d.event_id, d.event_type, 'pending', $6, d.replay_of, $6, $6
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d(id, endpoint_id, event_id, event_type, replay_of)
     ON CONFLICT (endpoint_id, event_id) WHERE replay_of IS NULL DO NOTHING
     RETURNING *`,
    [rows.map((r) => r.id), rows.map((r) => r.endpoint_id), rows.map((r) => r.event_id), rows.map((r) => r.event_type), rows.map((r) => r.replay_of), now],
  );
  return made;
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  endpoint_status: 'enabled' | 'disabled';
  failing_since: Date | null;
}

/**
 * Takes up to `limit` due deliveries for `leaseMs`: while the lease runs no other worker takes
 * them; if this worker dies, they become due again when it ends. Counts the attempt now, so a
 * crash mid-request still uses up a slot of the schedule.
 */
export async function claimDue(db: Queryable, now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimedDelivery>(
    `WITH due AS (
       SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
        ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE webhook_deliveries d SET locked_until = $3, attempts = d.attempts + 1, updated_at = $1
         FROM due WHERE d.id = due.id RETURNING d.*
     )
     SELECT c.*, e.url, e.status AS endpoint_status, e.failing_since FROM claimed c JOIN webhook_endpoints e ON e.id = c.endpoint_id`,
    [now, limit, new Date(now.getTime() + leaseMs)],
    'webhooks_claim_due',
  );
  return rows;
}

export interface AttemptRecord {
  delivery_id: string;
  number: number;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  /** The delivery's state after it. */
  status: DeliveryRow['status'];
  next_attempt_at: Date | null;
}

/** Stores a pass's attempts and the deliveries' new states in one statement. */
export async function recordAttempts(db: Queryable, records: readonly AttemptRecord[], now: Date): Promise<void> {
  if (!records.length) return;
  await db.query(
    `WITH a AS (
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::int[], $5::int[], $6::text[], $7::text[], $8::timestamptz[])
         AS a(delivery_id, number, attempted_at, status_code, latency_ms, error, status, next_attempt_at)
     ), logged AS (
       INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms, error)
       SELECT delivery_id, number, attempted_at, status_code, latency_ms, error FROM a
       ON CONFLICT (delivery_id, number) DO NOTHING
     )
     UPDATE webhook_deliveries d SET status = a.status, next_attempt_at = a.next_attempt_at, locked_until = NULL,
            last_status_code = a.status_code, last_latency_ms = a.latency_ms, last_error = a.error, updated_at = $9,
            delivered_at = CASE WHEN a.status = 'succeeded' THEN a.attempted_at ELSE d.delivered_at END
       FROM a WHERE d.id = a.delivery_id AND d.attempts = a.number`,
    [
      records.map((r) => r.delivery_id),
      records.map((r) => r.number),
      records.map((r) => r.attempted_at),
      records.map((r) => r.status_code),
      records.map((r) => r.latency_ms),
      records.map((r) => r.error),
      records.map((r) => r.status),
      records.map((r) => r.next_attempt_at),
      now,
    ],
    'webhooks_record_attempts',
  );
}

export interface DeliveryFilter {
  endpointId?: string;
  eventId?: string;
  status?: DeliveryRow['status'];
  /** Deliveries with ids before this one (lists run newest first). */
  before?: string;
  limit: number;
}

export async function listDeliveries(db: Queryable, f: DeliveryFilter): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT * FROM webhook_deliveries
     WHERE ($1::text IS NULL OR endpoint_id = $1) AND ($2::text IS NULL OR event_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR id < $4)
     ORDER BY id DESC LIMIT $5`,
    [f.endpointId ?? null, f.eventId ?? null, f.status ?? null, f.before ?? null, f.limit],
  );
  return rows;
}

export async function attemptsOf(db: Queryable, deliveryIds: readonly string[]): Promise<Map<string, { number: number; attempted_at: Date; status_code: number | null; latency_ms: number; error: string | null }[]>> {
  const out = new Map<string, { number: number; attempted_at: Date; status_code: number | null; latency_ms: number; error: string | null }[]>();
  if (!deliveryIds.length) return out;
  const { rows } = await db.query<{ delivery_id: string; number: number; attempted_at: Date; status_code: number | null; latency_ms: number; error: string | null }>(
    'SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY delivery_id, number',
    [deliveryIds],
  );
  for (const { delivery_id, ...a } of rows) out.set(delivery_id, [...(out.get(delivery_id) ?? []), a]);
  return out;
}

/**
 * The latest delivery of each event to `endpointId` since `since` whose last state is `status`:
 * what a "replay everything failed since …" repeats (an event whose replay already succeeded is
 * not repeated again).
 */
export async function latestDeliveriesSince(db: Queryable, endpointId: string, since: Date, status: DeliveryRow['status'], limit: number): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT * FROM (
       SELECT DISTINCT ON (event_id) * FROM webhook_deliveries WHERE endpoint_id = $1 AND created_at >= $2 ORDER BY event_id, id DESC
     ) latest WHERE status = $3 ORDER BY id LIMIT $4`,
    [endpointId, since, status, limit],
  );
  return rows;
}

export async function purgeDeliveries(db: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE created_at < $1 AND status <> 'pending' ORDER BY created_at LIMIT $2)",
    [before, limit],
  );
  return rowCount ?? 0;
}
