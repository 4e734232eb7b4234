import type { Queryable } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { OrderErrors } from './orders.errors.js';
import type { OrderStatus } from './orders.status.js';

export interface OrderRow {
  id: string;
  cart_id: string;
  status: OrderStatus;
  region_id: string;
  currency: string;
  email: string | null;
  customer_id: string | null;
  shipping_address: Record<string, string> | null;
  billing_address: Record<string, string> | null;
  shipping_method: { option_id: string; name: string; amount: number } | null;
  promotions: { promotion_id: string; code: string | null; name: string; amount: number }[];
  subtotal: number;
  discount_total: number;
  shipping_total: number;
  shipping_discount: number;
  tax_total: number;
  tax_inclusive: boolean;
  total: number;
  amount_refunded: number;
  payment_id: string | null;
  reservation_id: string | null;
  metadata: Record<string, string>;
  experiments: Record<string, string>;
  canceled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface OrderLineRow {
  id: string;
  order_id: string;
  position: number;
  variant_id: string;
  product_id: string;
  sku: string;
  title: string;
  seller_id: string | null;
  unit_amount: number;
  quantity: number;
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  quantity_refunded: number;
  quantity_fulfilled: number;
}

export interface OrderWithLines {
  order: OrderRow;
  lines: OrderLineRow[];
}

/** Inserts the order and all its lines in one statement (one round trip, whatever the line count). */
export async function insertOrder(tx: Queryable, o: Omit<OrderRow, 'amount_refunded' | 'canceled_at' | 'created_at' | 'updated_at'>, lines: OrderLineRow[], now: Date): Promise<void> {
  await tx.query(
    `WITH o AS (
       INSERT INTO orders (id, cart_id, status, region_id, currency, email, customer_id, shipping_address, billing_address, shipping_method, promotions,
                           subtotal, discount_total, shipping_total, shipping_discount, tax_total, tax_inclusive, total, payment_id, reservation_id, metadata, created_at, updated_at, experiments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $37)
       RETURNING id
     )
     INSERT INTO order_lines (id, order_id, position, variant_id, product_id, sku, title, seller_id, unit_amount, quantity, subtotal, discount, tax, total)
     SELECT l.* FROM o, unnest($23::text[], $24::text[], $25::int[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[], $31::bigint[], $32::int[], $33::bigint[], $34::bigint[], $35::bigint[], $36::bigint[]) AS l`,
    [
      o.id, o.cart_id, o.status, o.region_id, o.currency, o.email, o.customer_id, JSON.stringify(o.shipping_address), JSON.stringify(o.billing_address),
      JSON.stringify(o.shipping_method), JSON.stringify(o.promotions), o.subtotal, o.discount_total, o.shipping_total, o.shipping_discount, o.tax_total, o.tax_inclusive, o.total,
      o.payment_id, o.reservation_id, o.metadata, now,
      lines.map((l) => l.id), lines.map((l) => l.order_id), lines.map((l) => l.position), lines.map((l) => l.variant_id), lines.map((l) => l.product_id),
      lines.map((l) => l.sku), lines.map((l) => l.title), lines.map((l) => l.seller_id), lines.map((l) => l.unit_amount), lines.map((l) => l.quantity),
      lines.map((l) => l.subtotal), lines.map((l) => l.discount), lines.map((l) => l.tax), lines.map((l) => l.total),
      JSON.stringify(o.experiments),
    ],
    'orders_insert_with_lines',
  );
}

export async function loadOrders(db: Queryable, ids: readonly string[], lock = false): Promise<OrderWithLines[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<OrderRow>(`SELECT * FROM orders WHERE id = ANY($1::text[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`, [ids]);
  const lines = await db.query<OrderLineRow>('SELECT * FROM order_lines WHERE order_id = ANY($1::text[]) ORDER BY order_id, position', [ids]);
  return rows.map((order) => ({ order, lines: lines.rows.filter((l) => l.order_id === order.id) }));
}

export interface OrderFilter {
  after?: string;
  limit: number;
  status?: string;
  email?: string;
  customer_id?: string;
  createdGte?: Date;
  createdLt?: Date;
}

/** A page of order ids, newest last (ids sort by creation time). */
export async function pageOrderIds(db: Queryable, f: OrderFilter): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM orders
     WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR lower(email) = lower($4))
       AND ($5::text IS NULL OR customer_id = $5) AND ($6::timestamptz IS NULL OR created_at >= $6) AND ($7::timestamptz IS NULL OR created_at < $7)
     ORDER BY id LIMIT $2`,
    [f.after ?? null, f.limit, f.status ?? null, f.email ?? null, f.customer_id ?? null, f.createdGte ?? null, f.createdLt ?? null],
  );
  return rows.map((r) => r.id);
}

/** Moves an order from one status to another; false when it was not in `from` (a concurrent change). */
export async function setStatus(tx: Queryable, id: string, from: OrderStatus, to: OrderStatus, now: Date, extra: { canceled_at?: Date } = {}): Promise<boolean> {
  const { rowCount } = await tx.query(
    'UPDATE orders SET status = $3, updated_at = $4, canceled_at = coalesce($5, canceled_at) WHERE id = $1 AND status = $2',
    [id, from, to, now, extra.canceled_at ?? null],
  );
  return rowCount === 1;
}

/**
 * Reserves a refund on the order's counters: the amount within the total, each line's quantity
 * within the line. Conditional updates, so concurrent refunds cannot both pass; returns the new
 * amount refunded, or undefined (and changes nothing, in the caller's transaction) when it does not fit.
 */
export async function reserveRefund(tx: Queryable, id: string, amount: number, lines: readonly { line_id: string; quantity: number }[], now: Date): Promise<number | undefined> {
  const { rows } = await tx.query<{ amount_refunded: number }>(
    'UPDATE orders SET amount_refunded = amount_refunded + $2, updated_at = $3 WHERE id = $1 AND amount_refunded + $2 <= total RETURNING amount_refunded',
    [id, amount, now],
  );
  if (!rows[0]) return undefined;
  for (const l of lines) {
    const { rowCount } = await tx.query('UPDATE order_lines SET quantity_refunded = quantity_refunded + $3 WHERE order_id = $1 AND id = $2 AND quantity_refunded + $3 <= quantity', [id, l.line_id, l.quantity]);
    if (rowCount !== 1) throw new AppError(OrderErrors.invalidRefund, `Line ${l.line_id} has fewer than ${l.quantity} units left to refund.`, [{ detail: 'Too many units.', pointer: '/lines' }]);
  }
  return rows[0].amount_refunded;
}

/** Gives back a reservation made by `reserveRefund` (the processor refused the refund). */
export async function releaseRefund(tx: Queryable, id: string, amount: number, lines: readonly { line_id: string; quantity: number }[], now: Date): Promise<void> {
  await tx.query('UPDATE orders SET amount_refunded = amount_refunded - $2, updated_at = $3 WHERE id = $1', [id, amount, now]);
  for (const l of lines) await tx.query('UPDATE order_lines SET quantity_refunded = quantity_refunded - $3 WHERE order_id = $1 AND id = $2', [id, l.line_id, l.quantity]);
}

/** Whether this customer (by id, else by e-mail) has an order that was not canceled. */
export async function hasOrders(db: Queryable, who: { customerId: string | null; email: string | null }): Promise<boolean> {
  if (!who.customerId && !who.email) return false;
  const { rows } = await db.query(
    `SELECT 1 FROM orders WHERE status <> 'canceled' AND (($1::text IS NOT NULL AND customer_id = $1) OR ($2::text IS NOT NULL AND lower(email) = lower($2))) LIMIT 1`,
    [who.customerId, who.email],
  );
  return rows.length > 0;
}

/**
 * Adds shipped units to lines of an order the caller has locked. False when a line is not the
 * order's or would ship more than its unrefunded units (nothing is written then: the caller's
 * transaction rolls back).
 */
export async function fulfillLines(tx: Queryable, orderId: string, lines: readonly { line_id: string; quantity: number }[]): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE order_lines l SET quantity_fulfilled = l.quantity_fulfilled + v.quantity
       FROM unnest($2::text[], $3::int[]) AS v(line_id, quantity)
      WHERE l.order_id = $1 AND l.id = v.line_id AND l.quantity_fulfilled + v.quantity <= l.quantity - l.quantity_refunded`,
    [orderId, lines.map((l) => l.line_id), lines.map((l) => l.quantity)],
    'orders_fulfill_lines',
  );
  return rowCount === lines.length;
}
