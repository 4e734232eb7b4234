import type { Queryable } from '../../platform/db/database.js';
import type { KeyType } from '../../platform/crypto/keys.js';

export interface ApiKeyRow {
  id: string;
  type: KeyType;
  name: string | null;
  redacted: string;
  scopes: string[];
  seller_id: string | null;
  /** The pinned API version; null: the current version serves. */
  api_version: string | null;
  created_at: Date;
  revoked_at: Date | null;
  /** Set when the key was rolled with an overlap: it stops working then. */
  expires_at: Date | null;
}

const COLUMNS = 'id, type, name, redacted, scopes, seller_id, api_version, created_at, revoked_at, expires_at';

export async function insertKey(db: Queryable, row: Omit<ApiKeyRow, 'created_at' | 'revoked_at' | 'expires_at'> & { key_hash: string }): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, type, name, key_hash, redacted, scopes, seller_id, api_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (key_hash) DO NOTHING RETURNING ${COLUMNS}`,
    [row.id, row.type, row.name, row.key_hash, row.redacted, row.scopes, row.seller_id, row.api_version],
  );
  if (rows[0]) return rows[0];
  const existing = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [row.key_hash]);
  return existing.rows[0]!;
}

export async function findActiveByHash(db: Queryable, hash: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hash], 'keys_find_active');
  return rows[0];
}

export async function pageKeys(db: Queryable, after: string | undefined, limit: number): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [after ?? null, limit],
  );
  return rows;
}

export async function countActiveSecretKeys(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_keys WHERE type = 'secret' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`);
  return rows[0]?.n ?? 0;
}

/** The key `id`, locked, if it still works at `now` (not revoked, not expired). */
export async function lockWorkingKey(db: Queryable, id: string, now: Date): Promise<(ApiKeyRow & { key_hash: string }) | undefined> {
  const { rows } = await db.query<ApiKeyRow & { key_hash: string }>(
    `SELECT ${COLUMNS}, key_hash FROM api_keys WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) FOR UPDATE`,
    [id, now],
  );
  return rows[0];
}

/** Ends a rolled key: at once (revoked) when `until` is null, else at `until` (never later than an expiry it already has). */
export async function endRolledKey(db: Queryable, id: string, now: Date, until: Date | null): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = CASE WHEN $3::timestamptz IS NULL THEN $2 ELSE revoked_at END,
            expires_at = CASE WHEN $3::timestamptz IS NULL THEN expires_at ELSE LEAST(COALESCE(expires_at, $3), $3) END
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, now, until],
  );
  return rows[0]!;
}

/** Revokes a key; returns its hash so caches can drop it, or undefined when there is no such live key. */
export async function revokeKey(db: Queryable, id: string): Promise<{ row: ApiKeyRow; key_hash: string } | undefined> {
  const { rows } = await db.query<ApiKeyRow & { key_hash: string }>(
    `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}, key_hash`,
    [id],
  );
  const r = rows[0];
  return r ? { row: r, key_hash: r.key_hash } : undefined;
}

/** Pins a live key to an API version; returns its hash so caches can drop it, or undefined when there is no such live key. */
export async function setKeyVersion(db: Queryable, id: string, version: string): Promise<{ row: ApiKeyRow; key_hash: string } | undefined> {
  const { rows } = await db.query<ApiKeyRow & { key_hash: string }>(
    `UPDATE api_keys SET api_version = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}, key_hash`,
    [id, version],
  );
  const r = rows[0];
  return r ? { row: r, key_hash: r.key_hash } : undefined;
}
