import type { Queryable } from '../../platform/db/database.js';
import type { PlanMeters } from './plans.schemas.js';

export const DEFAULT_PLAN_ID = 'plan_default';

export interface PlanRow {
  id: string;
  name: string;
  currency: string;
  meters: PlanMeters;
  created_at: Date;
}

const COLUMNS = 'id, name, currency, meters, created_at';

export async function insertPlan(db: Queryable, row: PlanRow): Promise<PlanRow> {
  const res = await db.query<PlanRow>(`INSERT INTO plans (${COLUMNS}) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`, [row.id, row.name, row.currency, JSON.stringify(row.meters), row.created_at], 'plans_insert');
  return res.rows[0]!;
}

export async function findPlan(db: Queryable, id: string): Promise<PlanRow | undefined> {
  const res = await db.query<PlanRow>(`SELECT ${COLUMNS} FROM plans WHERE id = $1`, [id], 'plans_find');
  return res.rows[0];
}

/** Plans by id, newest first after the cursor. */
export async function pagePlans(db: Queryable, after: string | undefined, limit: number): Promise<PlanRow[]> {
  const res = await db.query<PlanRow>(`SELECT ${COLUMNS} FROM plans WHERE ($1::text IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`, [after ?? null, limit], 'plans_page');
  return res.rows;
}

/** The plan of each partner (the default plan for those without one). */
export async function plansOf(db: Queryable, partnerIds: readonly string[]): Promise<Map<string, PlanRow>> {
  const res = await db.query<PlanRow & { partner_id: string }>(
    `SELECT q.partner_id, p.id, p.name, p.currency, p.meters, p.created_at
       FROM unnest($1::text[]) AS q(partner_id)
       LEFT JOIN partner_plans pp ON pp.partner_id = q.partner_id
       JOIN plans p ON p.id = COALESCE(pp.plan_id, '${DEFAULT_PLAN_ID}')`,
    [partnerIds],
    'plans_of_partners',
  );
  return new Map(res.rows.map(({ partner_id, ...plan }) => [partner_id, plan]));
}

export async function assignPlan(db: Queryable, partnerId: string, planId: string, at: Date): Promise<{ partner_id: string; plan_id: string; assigned_at: Date }> {
  const res = await db.query<{ partner_id: string; plan_id: string; assigned_at: Date }>(
    `INSERT INTO partner_plans (partner_id, plan_id, assigned_at) VALUES ($1, $2, $3)
     ON CONFLICT (partner_id) DO UPDATE SET plan_id = EXCLUDED.plan_id, assigned_at = EXCLUDED.assigned_at
     RETURNING partner_id, plan_id, assigned_at`,
    [partnerId, planId, at],
    'partner_plans_assign',
  );
  return res.rows[0]!;
}
