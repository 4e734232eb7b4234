import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import type { PromotionAction, PromotionCondition } from './promotions.types.js';

export interface PromotionRow {
  id: string;
  name: string;
  code: string | null;
  status: 'active' | 'inactive';
  priority: number;
  combinable: boolean;
  currency: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  usage_limit: number | null;
  usage_limit_per_customer: number | null;
  times_redeemed: number;
  conditions: PromotionCondition[];
  actions: PromotionAction[];
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

/** The writable columns; jsonb ones go in as JSON text (pg would send a JS array as a PostgreSQL array). */
export type PromotionWrite = Omit<PromotionRow, 'id' | 'times_redeemed' | 'created_at' | 'updated_at'>;

const COLUMNS =
  'id, name, code, status, priority, combinable, currency, starts_at, ends_at, usage_limit, usage_limit_per_customer, times_redeemed, conditions, actions, metadata, created_at, updated_at';
const JSON_COLUMNS = new Set(['conditions', 'actions', 'metadata']);

function toParams(fields: Partial<PromotionWrite>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, JSON_COLUMNS.has(k) && v !== undefined ? JSON.stringify(v) : v]));
}

export async function insertPromotion(tx: Queryable, id: string, p: PromotionWrite, now: Date): Promise<PromotionRow> {
  const { rows } = await tx.query<PromotionRow>(
    `INSERT INTO promotions (id, name, code, status, priority, combinable, currency, starts_at, ends_at, usage_limit, usage_limit_per_customer, conditions, actions, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14::jsonb, $15, $15) RETURNING ${COLUMNS}`,
    [id, p.name, p.code, p.status, p.priority, p.combinable, p.currency, p.starts_at, p.ends_at, p.usage_limit, p.usage_limit_per_customer, JSON.stringify(p.conditions), JSON.stringify(p.actions), JSON.stringify(p.metadata), now],
  );
  return rows[0]!;
}

/** One promotion; `forUpdate` locks it for a write in the same transaction. */
export async function findPromotion(db: Queryable, id: string, forUpdate = false): Promise<PromotionRow | undefined> {
  const { rows } = await db.query<PromotionRow>(`SELECT ${COLUMNS} FROM promotions WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function pagePromotions(db: Queryable, q: { after?: string; limit: number; status?: string; code?: string }): Promise<PromotionRow[]> {
  const { rows } = await db.query<PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions
     WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR code = $4)
     ORDER BY id LIMIT $2`,
    [q.after ?? null, q.limit, q.status ?? null, q.code ?? null],
  );
  return rows;
}

export async function updatePromotion(tx: Queryable, id: string, fields: Partial<PromotionWrite>, now: Date): Promise<PromotionRow> {
  const set = setClause(toParams(fields), 3);
  const { rows } = await tx.query<PromotionRow>(
    `UPDATE promotions SET ${[set.sql, 'updated_at = $2'].filter(Boolean).join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, now, ...set.values],
  );
  return rows[0]!;
}

export async function countRedemptions(tx: Queryable, id: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM promotion_redemptions WHERE promotion_id = $1', [id]);
  return rows[0]?.n ?? 0;
}

export async function deletePromotion(tx: Queryable, id: string): Promise<void> {
  await tx.query('DELETE FROM promotions WHERE id = $1', [id]);
}

/** The active automatic promotions: what every cart is evaluated against. */
export async function activeAutomatic(db: Queryable): Promise<PromotionRow[]> {
  const { rows } = await db.query<PromotionRow>(`SELECT ${COLUMNS} FROM promotions WHERE code IS NULL AND status = 'active' ORDER BY priority DESC, id`, [], 'promotions_automatic');
  return rows;
}

/**
 * Promotions by code or id, fresh, each with this customer's redemptions (0 without a customer).
 * One statement on the cart hot path, prepared per connection.
 */
export async function promotionsForCart(db: Queryable, codes: readonly string[], ids: readonly string[], customerKey: string | null): Promise<(PromotionRow & { customer_redemptions: number })[]> {
  const { rows } = await db.query<PromotionRow & { customer_redemptions: number }>(
    `SELECT ${COLUMNS.split(', ').map((c) => `p.${c}`).join(', ')}, coalesce(u.times_redeemed, 0) AS customer_redemptions
     FROM promotions p LEFT JOIN promotion_customer_usage u ON u.promotion_id = p.id AND u.customer_key = $3
     WHERE p.code = ANY($1::text[]) OR p.id = ANY($2::text[])`,
    [codes, ids, customerKey],
    'promotions_for_cart',
  );
  return rows;
}

/**
 * Records one redemption: 'inserted', 'duplicate' when this order already redeemed this
 * promotion (a retry), or 'missing' when the promotion no longer exists.
 */
export async function insertRedemption(tx: Queryable, r: { id: string; promotionId: string; orderId: string; customerKey: string | null }, now: Date): Promise<'inserted' | 'duplicate' | 'missing'> {
  const { rowCount } = await tx.query(
    `INSERT INTO promotion_redemptions (id, promotion_id, order_id, customer_key, created_at)
     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM promotions WHERE id = $2)
     ON CONFLICT (promotion_id, order_id) DO NOTHING`,
    [r.id, r.promotionId, r.orderId, r.customerKey, now],
    'promotions_insert_redemption',
  );
  if (rowCount === 1) return 'inserted';
  const { rowCount: exists } = await tx.query('SELECT 1 FROM promotion_redemptions WHERE promotion_id = $1 AND order_id = $2', [r.promotionId, r.orderId]);
  return exists ? 'duplicate' : 'missing';
}

/**
 * Counts one use if the limit allows: the row lock taken by the UPDATE serialises concurrent
 * checkouts, and each re-checks the condition against the latest committed count. Returns the
 * promotion's per-customer limit, or undefined when it is unknown, inactive or used up.
 */
export async function incrementUsage(tx: Queryable, id: string): Promise<{ usage_limit_per_customer: number | null } | undefined> {
  const { rows } = await tx.query<{ usage_limit_per_customer: number | null }>(
    `UPDATE promotions SET times_redeemed = times_redeemed + 1
     WHERE id = $1 AND status = 'active' AND (usage_limit IS NULL OR times_redeemed < usage_limit)
     RETURNING usage_limit_per_customer`,
    [id],
    'promotions_increment_usage',
  );
  return rows[0];
}

/** Why `incrementUsage` found nothing: the promotion is gone or inactive, or it is used up. */
export async function usageState(tx: Queryable, id: string): Promise<'unavailable' | 'limit_reached'> {
  const { rows } = await tx.query<{ status: string }>('SELECT status FROM promotions WHERE id = $1', [id]);
  return rows[0]?.status === 'active' ? 'limit_reached' : 'unavailable';
}

/**
 * Counts one use by this customer, if under `limit` (null: no limit, counted anyway so that a
 * limit set later starts from the truth). INSERT … ON CONFLICT DO UPDATE waits for a concurrent
 * insert of the same key and re-checks its WHERE against the committed row, so concurrent
 * redemptions by one customer cannot both pass.
 */
export async function incrementCustomerUsage(tx: Queryable, id: string, customerKey: string, limit: number | null): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO promotion_customer_usage AS u (promotion_id, customer_key, times_redeemed) VALUES ($1, $2, 1)
     ON CONFLICT (promotion_id, customer_key) DO UPDATE SET times_redeemed = u.times_redeemed + 1 WHERE $3::int IS NULL OR u.times_redeemed < $3`,
    [id, customerKey, limit],
    'promotions_increment_customer_usage',
  );
  return rowCount === 1;
}

/** Removes an order's redemptions and gives their uses back (counts only: `updated_at` is for operator edits); returns the promotion ids. */
export async function deleteRedemptions(tx: Queryable, orderId: string): Promise<string[]> {
  const { rows } = await tx.query<{ promotion_id: string; customer_key: string | null }>(
    'DELETE FROM promotion_redemptions WHERE order_id = $1 RETURNING promotion_id, customer_key',
    [orderId],
  );
  // promotion order, as in redeem, so concurrent cancellations and checkouts lock alike
  const sorted = [...rows].sort((a, b) => (a.promotion_id < b.promotion_id ? -1 : a.promotion_id > b.promotion_id ? 1 : 0));
  for (const r of sorted) {
    await tx.query('UPDATE promotions SET times_redeemed = greatest(times_redeemed - 1, 0) WHERE id = $1', [r.promotion_id]);
    if (r.customer_key !== null) {
      await tx.query('UPDATE promotion_customer_usage SET times_redeemed = greatest(times_redeemed - 1, 0) WHERE promotion_id = $1 AND customer_key = $2', [r.promotion_id, r.customer_key]);
    }
  }
  return sorted.map((r) => r.promotion_id);
}
