import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import type { FlagRule } from './flags.evaluate.js';

export interface FlagRow {
  id: string;
  key: string;
  description: string;
  enabled: boolean;
  rollout: number;
  rules: FlagRule[];
  created_at: Date;
  updated_at: Date;
}
export type FlagWrite = Pick<FlagRow, 'description' | 'enabled' | 'rollout' | 'rules'>;

const COLUMNS = 'id, key, description, enabled, rollout, rules, created_at, updated_at';

export async function insertFlag(tx: Queryable, id: string, key: string, f: FlagWrite, now: Date): Promise<FlagRow> {
  const { rows } = await tx.query<FlagRow>(
    `INSERT INTO flags (id, key, description, enabled, rollout, rules, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $7) RETURNING ${COLUMNS}`,
    [id, key, f.description, f.enabled, f.rollout, JSON.stringify(f.rules), now],
  );
  return rows[0]!;
}

export async function findFlag(db: Queryable, key: string, forUpdate = false): Promise<FlagRow | undefined> {
  const { rows } = await db.query<FlagRow>(`SELECT ${COLUMNS} FROM flags WHERE key = $1${forUpdate ? ' FOR UPDATE' : ''}`, [key]);
  return rows[0];
}

/** Flags by key, after the cursor (a key). */
export async function pageFlags(db: Queryable, q: { after?: string; limit: number }): Promise<FlagRow[]> {
  const { rows } = await db.query<FlagRow>(`SELECT ${COLUMNS} FROM flags WHERE ($1::text IS NULL OR key > $1) ORDER BY key LIMIT $2`, [q.after ?? null, q.limit]);
  return rows;
}

export async function allFlags(db: Queryable): Promise<FlagRow[]> {
  const { rows } = await db.query<FlagRow>(`SELECT ${COLUMNS} FROM flags ORDER BY key`, [], 'flags_all');
  return rows;
}

export async function updateFlag(tx: Queryable, key: string, fields: Partial<FlagWrite>, now: Date): Promise<FlagRow> {
  const params = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, k === 'rules' ? JSON.stringify(v) : v]));
  const set = setClause(params, 3);
  const { rows } = await tx.query<FlagRow>(`UPDATE flags SET ${[set.sql, 'updated_at = $2'].filter(Boolean).join(', ')} WHERE key = $1 RETURNING ${COLUMNS}`, [key, now, ...set.values]);
  return rows[0]!;
}

export async function deleteFlag(tx: Queryable, key: string): Promise<void> {
  await tx.query('DELETE FROM flags WHERE key = $1', [key]);
}
