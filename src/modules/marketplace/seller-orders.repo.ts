import type { Queryable } from '../../platform/db/database.js';
import type { Commission, SellerCommissionOverride } from './commission.js';
import type { SellerOrderStatus } from './seller-orders.status.js';

export interface SellerOrderRow {
  id: string;
  order_id: string;
  seller_id: string;
  status: SellerOrderStatus;
  currency: string;
  goods_amount: number;
  tax_amount: number;
  shipping_amount: number;
  shipping_payee: 'seller' | 'platform';
  commission_amount: number;
  commission: Commission;
  amount_refunded: number;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface SellerOrderLineRow {
  seller_order_id: string;
  order_line_id: string;
  product_id: string;
  sku: string;
  title: string;
  quantity: number;
  amount: number;
  tax: number;
  commission: number;
  category_paths: string[][];
}

export interface SellerOrderWithLines {
  order: SellerOrderRow;
  lines: SellerOrderLineRow[];
}

/**
 * Inserts a seller order with its lines, once: a second insert for the same (order, seller) (a
 * redispatched `order.created`) writes nothing and returns false.
 */
export async function insertSellerOrder(tx: Queryable, o: SellerOrderRow, lines: readonly SellerOrderLineRow[]): Promise<boolean> {
  const { rows } = await tx.query<{ inserted: boolean }>(
    `WITH so AS (
       INSERT INTO seller_orders (id, order_id, seller_id, status, currency, goods_amount, tax_amount, shipping_amount, shipping_payee, commission_amount, commission, amount_refunded, delivered_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
       ON CONFLICT (order_id, seller_id) DO NOTHING RETURNING id
     ), l AS (
       INSERT INTO seller_order_lines (seller_order_id, order_line_id, product_id, sku, title, quantity, amount, tax, commission, category_paths)
       SELECT so.id, l.* FROM so, unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::int[], $20::bigint[], $21::bigint[], $22::bigint[], $23::jsonb[]) AS l
     )
     SELECT EXISTS (SELECT 1 FROM so) AS inserted`,
    [
      o.id, o.order_id, o.seller_id, o.status, o.currency, o.goods_amount, o.tax_amount, o.shipping_amount, o.shipping_payee, o.commission_amount, JSON.stringify(o.commission), o.amount_refunded, o.delivered_at, o.created_at,
      lines.map((l) => l.order_line_id), lines.map((l) => l.product_id), lines.map((l) => l.sku), lines.map((l) => l.title), lines.map((l) => l.quantity),
      lines.map((l) => l.amount), lines.map((l) => l.tax), lines.map((l) => l.commission), lines.map((l) => JSON.stringify(l.category_paths)),
    ],
    'marketplace_insert_seller_order',
  );
  return rows[0]?.inserted === true;
}

async function withLines(db: Queryable, orders: SellerOrderRow[]): Promise<SellerOrderWithLines[]> {
  if (!orders.length) return [];
  const { rows } = await db.query<SellerOrderLineRow>('SELECT * FROM seller_order_lines WHERE seller_order_id = ANY($1::text[]) ORDER BY seller_order_id, order_line_id', [orders.map((o) => o.id)]);
  return orders.map((order) => ({ order, lines: rows.filter((l) => l.seller_order_id === order.id) }));
}

/** Seller orders by id; `sellerId` confines to one seller's (a seller key's view). */
export async function findSellerOrders(db: Queryable, ids: readonly string[], sellerId: string | null): Promise<SellerOrderWithLines[]> {
  const { rows } = await db.query<SellerOrderRow>('SELECT * FROM seller_orders WHERE id = ANY($1::text[]) AND ($2::text IS NULL OR seller_id = $2) ORDER BY id', [ids, sellerId]);
  return withLines(db, rows);
}

/** The seller orders of some orders, locked for the caller's transaction when `lock`. */
export async function sellerOrdersOf(db: Queryable, orderIds: readonly string[], lock = false): Promise<SellerOrderWithLines[]> {
  if (!orderIds.length) return [];
  const { rows } = await db.query<SellerOrderRow>(`SELECT * FROM seller_orders WHERE order_id = ANY($1::text[]) ORDER BY order_id, seller_id${lock ? ' FOR UPDATE' : ''}`, [orderIds], 'marketplace_seller_orders_of');
  return withLines(db, rows);
}

export interface SellerOrderFilter {
  after?: string;
  limit: number;
  sellerId: string | null;
  orderId?: string;
  status?: string;
}

/** A page of seller orders, oldest first (ids sort by creation time). */
export async function pageSellerOrders(db: Queryable, f: SellerOrderFilter): Promise<SellerOrderWithLines[]> {
  const { rows } = await db.query<SellerOrderRow>(
    `SELECT * FROM seller_orders
      WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR seller_id = $3) AND ($4::text IS NULL OR order_id = $4) AND ($5::text IS NULL OR status = $5)
      ORDER BY id LIMIT $2`,
    [f.after ?? null, f.limit, f.sellerId, f.orderId ?? null, f.status ?? null],
  );
  return withLines(db, rows);
}

/** Writes a seller order's derived state (`amount_refunded` is the ledger's: ledger.service.ts). */
export async function updateDerived(tx: Queryable, id: string, set: { status: SellerOrderStatus; delivered_at: Date | null }, now: Date): Promise<void> {
  await tx.query('UPDATE seller_orders SET status = $2, delivered_at = $3, updated_at = $4 WHERE id = $1', [id, set.status, set.delivered_at, now], 'marketplace_update_seller_order');
}

/** The negotiated commission terms of these sellers (`sellers.commission`), by seller id; sellers without any are left out. */
export async function commissionOverrides(db: Queryable, sellerIds: readonly string[]): Promise<Record<string, SellerCommissionOverride>> {
  if (!sellerIds.length) return {};
  const { rows } = await db.query<{ id: string; commission: Record<string, unknown> }>("SELECT id, commission FROM sellers WHERE id = ANY($1::text[]) AND commission <> '{}'::jsonb", [sellerIds]);
  return Object.fromEntries(rows.map((r) => [r.id, toOverride(r.commission)]));
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Reads the stored terms, in commission.ts's names or their snake_case API spelling. */
function toOverride(c: Record<string, unknown>): SellerCommissionOverride {
  const rates = c.categoryRatesPpm ?? c.category_rates_ppm;
  const out: SellerCommissionOverride = {};
  const ratePpm = num(c.ratePpm ?? c.rate_ppm);
  const fixed = num(c.fixedFeePerOrder ?? c.fixed_fee_per_order ?? c.fixed_fee);
  const minimum = num(c.minimumFee ?? c.minimum_fee);
  if (ratePpm !== undefined) out.ratePpm = ratePpm;
  if (fixed !== undefined) out.fixedFeePerOrder = fixed;
  if (minimum !== undefined) out.minimumFee = minimum;
  if (rates && typeof rates === 'object') {
    out.categoryRatesPpm = Object.fromEntries(Object.entries(rates as Record<string, unknown>).flatMap(([k, v]) => (num(v) === undefined ? [] : [[k, num(v)!]])));
  }
  return out;
}
