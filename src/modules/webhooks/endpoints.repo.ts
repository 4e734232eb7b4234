import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';

export interface EndpointRow {
  id: string;
  url: string;
  description: string;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: 'operator' | 'gone' | 'failing' | null;
  failing_since: Date | null;
  metadata: Record<string, string>;
  /** The seller whose endpoint it is (made with its seller key); null for the operator's. */
  seller_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function insertEndpoint(tx: Queryable, e: Omit<EndpointRow, 'failing_since' | 'disabled_reason' | 'updated_at'>, secret: string): Promise<EndpointRow> {
  const { rows } = await tx.query<EndpointRow>(
    `WITH e AS (
       INSERT INTO webhook_endpoints (id, url, description, enabled_events, status, metadata, created_at, updated_at, seller_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $9) RETURNING *
     ), s AS (INSERT INTO webhook_secrets (endpoint_id, secret, created_at) SELECT id, $8, $7 FROM e)
     SELECT * FROM e`,
    [e.id, e.url, e.description, e.enabled_events, e.status, e.metadata, e.created_at, secret, e.seller_id],
  );
  return rows[0]!;
}

/**
 * Which endpoints a caller reaches: `null`, all (operators and background work); a seller id,
 * only that seller's (a seller key: another seller's endpoint is as if it did not exist).
 */
export type EndpointScope = string | null;

export async function findEndpoint(db: Queryable, id: string, lock = false, scope: EndpointScope = null): Promise<EndpointRow | undefined> {
  const { rows } = await db.query<EndpointRow>(`SELECT * FROM webhook_endpoints WHERE id = $1 AND ($2::text IS NULL OR seller_id = $2)${lock ? ' FOR UPDATE' : ''}`, [id, scope]);
  return rows[0];
}

export async function pageEndpoints(db: Queryable, after: string | undefined, limit: number, scope: EndpointScope = null): Promise<EndpointRow[]> {
  const { rows } = await db.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR seller_id = $3) ORDER BY id LIMIT $2', [after ?? null, limit, scope]);
  return rows;
}

export type EndpointWrite = Partial<Pick<EndpointRow, 'url' | 'description' | 'enabled_events' | 'status' | 'disabled_reason' | 'metadata' | 'failing_since'>>;

export async function updateEndpoint(tx: Queryable, id: string, fields: EndpointWrite, now: Date, scope: EndpointScope = null): Promise<EndpointRow | undefined> {
  const set = setClause(fields, 4);
  const { rows } = await tx.query<EndpointRow>(`UPDATE webhook_endpoints SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1 AND ($3::text IS NULL OR seller_id = $3) RETURNING *`, [id, now, scope, ...set.values]);
  return rows[0];
}

export async function deleteEndpoint(tx: Queryable, id: string, scope: EndpointScope = null): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM webhook_endpoints WHERE id = $1 AND ($2::text IS NULL OR seller_id = $2)', [id, scope]);
  return rowCount === 1;
}

/** Enabled endpoints with their event patterns: what the fan-out matches events against. */
export async function enabledEndpoints(db: Queryable): Promise<Pick<EndpointRow, 'id' | 'enabled_events' | 'seller_id'>[]> {
  const { rows } = await db.query<Pick<EndpointRow, 'id' | 'enabled_events' | 'seller_id'>>("SELECT id, enabled_events, seller_id FROM webhook_endpoints WHERE status = 'enabled'", [], 'webhooks_enabled_endpoints');
  return rows;
}

/** Secrets that sign at `now`: the current one and any rotated out whose overlap has not ended. */
export async function signingSecrets(db: Queryable, endpointIds: readonly string[], now: Date): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ endpoint_id: string; secret: string }>(
    'SELECT endpoint_id, secret FROM webhook_secrets WHERE endpoint_id = ANY($1::text[]) AND (expires_at IS NULL OR expires_at > $2) ORDER BY endpoint_id, seq DESC',
    [endpointIds, now],
    'webhooks_signing_secrets',
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.endpoint_id, [...(out.get(r.endpoint_id) ?? []), r.secret]);
  return out;
}

/**
 * Starts using `secret`; the secrets in use until now keep signing until `overlapEnds` (at once
 * when it is now). Rotations are serialised by the caller's lock on the endpoint row.
 */
export async function rotateSecret(tx: Queryable, endpointId: string, secret: string, now: Date, overlapEnds: Date): Promise<void> {
  await tx.query(
    `WITH old AS (
       UPDATE webhook_secrets SET expires_at = LEAST(coalesce(expires_at, $3), $3) WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)
     )
     INSERT INTO webhook_secrets (endpoint_id, secret, created_at) VALUES ($1, $4, $2)`,
    [endpointId, now, overlapEnds, secret],
  );
}

/** The endpoints' health after a pass of attempts: successes clear `failing_since`, failures start it (rows already so are left alone). */
export async function recordHealth(db: Queryable, healthy: readonly string[], failing: readonly string[], now: Date): Promise<void> {
  if (!healthy.length && !failing.length) return;
  await db.query(
    `UPDATE webhook_endpoints SET failing_since = CASE WHEN id = ANY($1::text[]) THEN NULL ELSE coalesce(failing_since, $3) END
     WHERE (id = ANY($1::text[]) AND failing_since IS NOT NULL) OR (id = ANY($2::text[]) AND failing_since IS NULL)`,
    [healthy, failing, now],
    'webhooks_record_health',
  );
}
