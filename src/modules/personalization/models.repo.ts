import type { Queryable } from '../../platform/db/database.js';
import type { ModelStatus, RecommendationModel } from './models.schemas.js';

export interface ModelRow {
  id: string;
  version: number;
  status: ModelStatus;
  created_at: Date;
  built_at: Date | null;
  activated_at: Date | null;
  params: RecommendationModel['params'];
  metrics: RecommendationModel['metrics'];
  counts: RecommendationModel['counts'];
  error: string | null;
}

const COLUMNS = 'id, version, status, created_at, built_at, activated_at, params, metrics, counts, error';

/** Serializes model changes (versions, activation) in this schema for the rest of the transaction. */
export async function lockModels(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.recommendation_models'))`);
}

export async function insertModel(tx: Queryable, id: string, params: RecommendationModel['params'], now: Date): Promise<ModelRow> {
  const { rows } = await tx.query<ModelRow>(
    `INSERT INTO recommendation_models (id, version, status, created_at, params)
     SELECT $1, coalesce(max(version), 0) + 1, 'building', $2, $3 FROM recommendation_models RETURNING ${COLUMNS}`,
    [id, now, JSON.stringify(params)],
  );
  return rows[0]!;
}

export async function finishModel(tx: Queryable, id: string, fields: { status: 'ready' | 'failed'; built_at: Date; metrics?: unknown; counts?: unknown; error?: string }): Promise<void> {
  await tx.query(`UPDATE recommendation_models SET status = $2, built_at = $3, metrics = $4, counts = $5, error = $6 WHERE id = $1 AND status = 'building'`, [
    id,
    fields.status,
    fields.built_at,
    fields.metrics === undefined ? null : JSON.stringify(fields.metrics),
    fields.counts === undefined ? null : JSON.stringify(fields.counts),
    fields.error ?? null,
  ]);
}

export async function findModel(db: Queryable, id: string, forUpdate = false): Promise<ModelRow | undefined> {
  const { rows } = await db.query<ModelRow>(`SELECT ${COLUMNS} FROM recommendation_models WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function activeModel(db: Queryable): Promise<ModelRow | undefined> {
  const { rows } = await db.query<ModelRow>(`SELECT ${COLUMNS} FROM recommendation_models WHERE status = 'active'`, [], 'personalization_active_model');
  return rows[0];
}

/** The newest model that has been built (ready, active or retired). */
export async function latestBuilt(db: Queryable): Promise<ModelRow | undefined> {
  const { rows } = await db.query<ModelRow>(`SELECT ${COLUMNS} FROM recommendation_models WHERE status IN ('ready', 'active', 'retired') ORDER BY version DESC LIMIT 1`);
  return rows[0];
}

/** The model active before `version`: the newest lower version that was ever activated. */
export async function previousActivated(tx: Queryable, version: number): Promise<ModelRow | undefined> {
  const { rows } = await tx.query<ModelRow>(
    `SELECT ${COLUMNS} FROM recommendation_models WHERE version < $1 AND status = 'retired' AND activated_at IS NOT NULL ORDER BY version DESC LIMIT 1`,
    [version],
  );
  return rows[0];
}

/** Retires the active model (kept for rollback) and activates `id`: two statements, in the caller's transaction. */
export async function swapActive(tx: Queryable, id: string, now: Date): Promise<ModelRow> {
  await tx.query(`UPDATE recommendation_models SET status = 'retired' WHERE status = 'active' AND id <> $1`, [id]);
  const { rows } = await tx.query<ModelRow>(`UPDATE recommendation_models SET status = 'active', activated_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, now]);
  return rows[0]!;
}

export async function pageModels(db: Queryable, beforeVersion: number | undefined, limit: number): Promise<ModelRow[]> {
  const { rows } = await db.query<ModelRow>(`SELECT ${COLUMNS} FROM recommendation_models WHERE ($1::int IS NULL OR version < $1) ORDER BY version DESC LIMIT $2`, [beforeVersion ?? null, limit]);
  return rows;
}

export async function countSignals(db: Queryable, since: Date, until: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM signals WHERE occurred_at >= $1 AND occurred_at < $2', [since, until]);
  return rows[0]?.n ?? 0;
}

/** Deletes every model (and its snapshot) older than the newest `keep` versions, except the active one. */
export async function pruneModels(tx: Queryable, keep: number): Promise<number> {
  const old = `SELECT id FROM recommendation_models WHERE status <> 'active' AND version <= (SELECT max(version) FROM recommendation_models) - $1`;
  await tx.query(`DELETE FROM model_neighbors WHERE model_id IN (${old})`, [keep]);
  await tx.query(`DELETE FROM model_popularity WHERE model_id IN (${old})`, [keep]);
  await tx.query(`DELETE FROM model_affinity WHERE model_id IN (${old})`, [keep]);
  const { rowCount } = await tx.query(`DELETE FROM recommendation_models WHERE id IN (${old})`, [keep]);
  return rowCount ?? 0;
}

/** Whether any signal was received after `since`. */
export async function signalsSince(db: Queryable, since: Date): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM signals WHERE received_at > $1) AS any', [since]);
  return rows[0]?.any ?? false;
}
