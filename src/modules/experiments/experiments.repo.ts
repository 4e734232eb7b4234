import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import type { ExperimentStatus, Slot, Variant } from './experiments.schemas.js';

export interface ExperimentRow {
  id: string;
  key: string;
  name: string;
  slot: Slot;
  status: ExperimentStatus;
  variants: Variant[];
  started_at: Date | null;
  stopped_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type ExperimentWrite = Omit<ExperimentRow, 'id' | 'key' | 'created_at' | 'updated_at'>;

const COLUMNS = 'id, key, name, slot, status, variants, started_at, stopped_at, created_at, updated_at';

export async function insertExperiment(tx: Queryable, id: string, key: string, e: ExperimentWrite, now: Date): Promise<ExperimentRow> {
  const { rows } = await tx.query<ExperimentRow>(
    `INSERT INTO experiments (id, key, name, slot, status, variants, started_at, stopped_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $9) RETURNING ${COLUMNS}`,
    [id, key, e.name, e.slot, e.status, JSON.stringify(e.variants), e.started_at, e.stopped_at, now],
  );
  return rows[0]!;
}

export async function findExperiment(db: Queryable, id: string, forUpdate = false): Promise<ExperimentRow | undefined> {
  const { rows } = await db.query<ExperimentRow>(`SELECT ${COLUMNS} FROM experiments WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function pageExperiments(db: Queryable, q: { after?: string; limit: number; status?: string; slot?: string }): Promise<ExperimentRow[]> {
  const { rows } = await db.query<ExperimentRow>(
    `SELECT ${COLUMNS} FROM experiments WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR slot = $4) ORDER BY id LIMIT $2`,
    [q.after ?? null, q.limit, q.status ?? null, q.slot ?? null],
  );
  return rows;
}

/** The running experiments, one per slot at most. */
export async function runningExperiments(db: Queryable): Promise<ExperimentRow[]> {
  const { rows } = await db.query<ExperimentRow>(`SELECT ${COLUMNS} FROM experiments WHERE status = 'running'`, [], 'experiments_running');
  return rows;
}

export async function updateExperiment(tx: Queryable, id: string, fields: Partial<ExperimentWrite>, now: Date): Promise<ExperimentRow> {
  const params = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, k === 'variants' && v !== undefined ? JSON.stringify(v) : v]));
  const set = setClause(params, 3);
  const { rows } = await tx.query<ExperimentRow>(`UPDATE experiments SET ${[set.sql, 'updated_at = $2'].filter(Boolean).join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`, [id, now, ...set.values]);
  return rows[0]!;
}

export async function deleteExperiment(tx: Queryable, id: string): Promise<void> {
  await tx.query('DELETE FROM experiments WHERE id = $1', [id]);
}

export interface ExposureRow {
  experimentId: string;
  subject: string;
  variant: string;
  at: Date;
}

/** Logs first exposures, many in one statement; a subject already exposed keeps its first row. */
export async function insertExposures(db: Queryable, rows: readonly ExposureRow[]): Promise<void> {
  if (!rows.length) return;
  await db.query(
    `INSERT INTO experiment_exposures (experiment_id, subject, variant, first_exposed_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) ON CONFLICT (experiment_id, subject) DO NOTHING`,
    [rows.map((r) => r.experimentId), rows.map((r) => r.subject), rows.map((r) => r.variant), rows.map((r) => r.at)],
    'experiments_expose',
  );
}

/** `{ experiment key: variant }` of the running experiments this subject was exposed to. */
export async function assignmentsOf(db: Queryable, subject: string): Promise<{ key: string; variant: string }[]> {
  const { rows } = await db.query<{ key: string; variant: string }>(
    `SELECT e.key, x.variant FROM experiment_exposures x JOIN experiments e ON e.id = x.experiment_id WHERE x.subject = $1 AND e.status = 'running' ORDER BY e.key`,
    [subject],
    'experiments_assignments',
  );
  return rows;
}

/** Records an order against the experiments named by key; a redelivered event changes nothing. */
export async function insertConversions(tx: Queryable, c: { keys: readonly string[]; orderId: string; subject: string; amount: number; currency: string; at: Date }): Promise<void> {
  await tx.query(
    `INSERT INTO experiment_conversions (experiment_id, order_id, subject, amount, currency, created_at)
     SELECT id, $2, $3, $4, $5, $6 FROM experiments WHERE key = ANY($1::text[]) ON CONFLICT (experiment_id, order_id) DO NOTHING`,
    [c.keys, c.orderId, c.subject, c.amount, c.currency, c.at],
  );
}

/** The currency most of an experiment's attributed orders are in, if any. */
export async function mainCurrency(db: Queryable, experimentId: string): Promise<string | null> {
  const { rows } = await db.query<{ currency: string }>(
    'SELECT currency FROM experiment_conversions WHERE experiment_id = $1 GROUP BY currency ORDER BY count(*) DESC, currency LIMIT 1',
    [experimentId],
  );
  return rows[0]?.currency ?? null;
}

export interface VariantCountRow {
  variant: string;
  exposures: number;
  conversions: number;
  orders: number;
  revenue: number;
}

/**
 * Per variant, in one statement: exposed subjects; those with an order at or after their first
 * exposure (any currency); and those orders' count and sum in `currency`.
 */
export async function variantCounts(db: Queryable, experimentId: string, currency: string | null): Promise<VariantCountRow[]> {
  const { rows } = await db.query<VariantCountRow>(
    `WITH per_subject AS (
       SELECT x.variant, x.subject, count(c.order_id) AS any_orders,
              count(c.order_id) FILTER (WHERE c.currency = $2) AS orders,
              coalesce(sum(c.amount) FILTER (WHERE c.currency = $2), 0) AS revenue
         FROM experiment_exposures x
         LEFT JOIN experiment_conversions c ON c.experiment_id = x.experiment_id AND c.subject = x.subject AND c.created_at >= x.first_exposed_at
        WHERE x.experiment_id = $1
        GROUP BY x.variant, x.subject
     )
     SELECT variant, count(*)::int AS exposures, (count(*) FILTER (WHERE any_orders > 0))::int AS conversions,
            coalesce(sum(orders), 0)::int AS orders, coalesce(sum(revenue), 0)::bigint AS revenue
       FROM per_subject GROUP BY variant`,
    [experimentId, currency],
  );
  return rows;
}
