import type { Queryable } from '../../platform/db/database.js';
import { setClause, statementName } from '../../platform/db/sql.js';
import { eventCtes, eventParams, type EventEnvelope } from '../../platform/events/outbox.js';
import type { Address } from './carts.schemas.js';

export interface CartRow {
  id: string;
  status: 'open' | 'completing' | 'completed';
  region_id: string;
  currency: string;
  email: string | null;
  customer_id: string | null;
  shipping_address: Address | null;
  billing_address: Address | null;
  shipping_option_id: string | null;
  promotion_codes: string[];
  metadata: Record<string, string>;
  order_id: string | null;
  checkout_lease_until: Date | null;
  /** What the last cart requests took (ms), written in batches by CartLatencyRecorder. */
  latency_ms: number[];
  abandoned_at: Date | null;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

export interface CartItemRow {
  id: string;
  cart_id: string;
  variant_id: string;
  product_id: string;
  sku: string;
  title: string;
  unit_amount: number;
  quantity: number;
  weight_grams: number;
  category_ids: string[];
  seller_id: string | null;
  metadata: Record<string, string>;
  created_at: Date;
}

/** A cart with its lines, lines in the order they were first added. */
export interface CartWithItems {
  cart: CartRow;
  items: CartItemRow[];
}

export async function loadCart(db: Queryable, id: string, lock = false): Promise<CartWithItems | undefined> {
  const { rows } = await db.query<CartRow>(`SELECT * FROM carts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id], lock ? 'carts_load_lock' : 'carts_load');
  const cart = rows[0];
  if (!cart) return undefined;
  return { cart, items: await loadItems(db, id) };
}

export async function insertCart(tx: Queryable, c: Pick<CartRow, 'id' | 'region_id' | 'currency' | 'email' | 'customer_id' | 'metadata' | 'expires_at'>, now: Date): Promise<CartRow> {
  const { rows } = await tx.query<CartRow>(
    `INSERT INTO carts (id, region_id, currency, email, customer_id, metadata, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
    [c.id, c.region_id, c.currency, c.email, c.customer_id, c.metadata, c.expires_at, now],
    'carts_insert',
  );
  if (!rows[0]) throw new Error('INSERT … RETURNING gave no row');
  return rows[0];
}

export type CartWrite = Partial<Pick<CartRow, 'email' | 'customer_id' | 'shipping_address' | 'billing_address' | 'shipping_option_id' | 'promotion_codes' | 'metadata' | 'expires_at' | 'status' | 'order_id' | 'checkout_lease_until'>>;

function cartSet(fields: CartWrite) {
  const { shipping_address, billing_address, ...rest } = fields;
  const json = (a: Address | null | undefined) => (a === undefined ? undefined : a === null ? null : JSON.stringify(a));
  return setClause({ ...rest, shipping_address: json(shipping_address), billing_address: json(billing_address) }, 3);
}

export async function updateCart(tx: Queryable, id: string, fields: CartWrite, now: Date): Promise<void> {
  const set = cartSet(fields);
  const sql = `UPDATE carts SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1`;
  await tx.query(sql, [id, now, ...set.values], statementName('carts_update', sql));
}

/** Completes a claimed cart with its order, and writes `events` to the outbox in the same statement. */
export async function completeCart(tx: Queryable, id: string, orderId: string, now: Date, events: readonly EventEnvelope[]): Promise<void> {
  const { rows } = await tx.query<{ completed: number }>(
    `WITH c AS (UPDATE carts SET status = 'completed', order_id = $2, checkout_lease_until = NULL, updated_at = $3 WHERE id = $1 RETURNING 1), ${eventCtes(4)}
     SELECT (SELECT count(*) FROM c)::int AS completed`,
    [id, orderId, now, ...eventParams(events)],
    'carts_complete',
  );
  if (rows[0]?.completed !== 1) throw new Error(`cart ${id} vanished inside its own checkout`);
}

/** Updates the cart and returns the row as it now is. */
export async function updateCartReturning(tx: Queryable, id: string, fields: CartWrite, now: Date): Promise<CartRow> {
  const set = cartSet(fields);
  const sql = `UPDATE carts SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1 RETURNING *`;
  const { rows } = await tx.query<CartRow>(sql, [id, now, ...set.values], statementName('carts_update', sql));
  if (!rows[0]) throw new Error(`cart ${id} vanished inside its own transaction`);
  return rows[0];
}

/**
 * Updates an open, unexpired cart in one statement and returns it; undefined when the cart is
 * missing, expired, completed or held by a checkout (the caller finds out which).
 */
export async function updateOpenCart(db: Queryable, id: string, fields: CartWrite, now: Date, readLines = true): Promise<CartWithItems | undefined> {
  const set = cartSet(fields);
  const sql = `WITH u AS (UPDATE carts SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1 AND status = 'open' AND expires_at > $2 RETURNING *) ${readLines ? WITH_ITEMS : "SELECT u.*, '[]'::json AS items FROM u"}`;
  const { rows } = await db.query<Parameters<typeof withItems>[0]>(sql, [id, now, ...set.values], statementName('carts_update', sql));
  return rows[0] && withItems(rows[0]);
}

/** SQL for a cart row `u` with its lines as JSON, in the order they were added. */
const WITH_ITEMS = `SELECT u.*, coalesce((SELECT json_agg(i ORDER BY i.created_at, i.id) FROM cart_items i WHERE i.cart_id = u.id), '[]') AS items FROM u`;

/** A cart row read with `WITH_ITEMS`: the lines come back as JSON, their times as text. */
function withItems(row: CartRow & { items: (Omit<CartItemRow, 'created_at'> & { created_at: string })[] }): CartWithItems {
  const { items, ...cart } = row;
  return { cart, items: items.map((i) => ({ ...i, created_at: new Date(i.created_at) })) };
}

/** A cart's status, expiry and the products of its lines, in one round trip (recommendations). */
export async function cartProducts(db: Queryable, id: string): Promise<{ status: CartRow['status']; expires_at: Date; product_ids: string[] } | undefined> {
  const { rows } = await db.query<{ status: CartRow['status']; expires_at: Date; product_ids: string[] }>(
    `SELECT c.status, c.expires_at, coalesce(array_agg(i.product_id ORDER BY i.created_at, i.id) FILTER (WHERE i.id IS NOT NULL), '{}') AS product_ids
       FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id WHERE c.id = $1 GROUP BY c.id`,
    [id],
  );
  return rows[0];
}

export async function loadItems(db: Queryable, cartId: string): Promise<CartItemRow[]> {
  const { rows } = await db.query<CartItemRow>('SELECT * FROM cart_items WHERE cart_id = $1 ORDER BY created_at, id', [cartId], 'carts_load_items');
  return rows;
}

export type ItemWrite = Omit<CartItemRow, 'created_at'>;

/** Adds a line, or adds to the quantity of the line with the same variant. */
export async function upsertItem(tx: Queryable, item: ItemWrite, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO cart_items (id, cart_id, variant_id, product_id, sku, title, unit_amount, quantity, weight_grams, category_ids, seller_id, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
     ON CONFLICT (cart_id, variant_id) DO UPDATE SET
       quantity = cart_items.quantity + EXCLUDED.quantity, unit_amount = EXCLUDED.unit_amount, title = EXCLUDED.title,
       weight_grams = EXCLUDED.weight_grams, category_ids = EXCLUDED.category_ids, seller_id = EXCLUDED.seller_id,
       metadata = cart_items.metadata || EXCLUDED.metadata, updated_at = EXCLUDED.updated_at`,
    [item.id, item.cart_id, item.variant_id, item.product_id, item.sku, item.title, item.unit_amount, item.quantity, item.weight_grams, item.category_ids, item.seller_id, item.metadata, now],
    'carts_upsert_item',
  );
}

/**
 * Adds a line to an open, unexpired cart (or adds to the quantity of the same variant's line) and
 * extends the cart's life, in one statement: the cart row is locked by the statement, so adds to
 * one cart serialise. Returns the cart and whether the line is new; undefined when the cart is not
 * open. A line above 10000 units violates the table's CHECK (SQLSTATE 23514).
 */
export async function addItemToOpenCart(db: Queryable, item: ItemWrite, now: Date, expiresAt: Date): Promise<{ cart: CartRow; inserted: boolean; line_id: string } | undefined> {
  const { rows } = await db.query<CartRow & { inserted: boolean; line_id: string }>(
    `WITH c AS (
       SELECT id FROM carts WHERE id = $2 AND status = 'open' AND expires_at > $13 FOR UPDATE
     ), line AS (
       INSERT INTO cart_items (id, cart_id, variant_id, product_id, sku, title, unit_amount, quantity, weight_grams, category_ids, seller_id, metadata, created_at, updated_at)
       SELECT $1, c.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13 FROM c
       ON CONFLICT (cart_id, variant_id) DO UPDATE SET
         quantity = cart_items.quantity + EXCLUDED.quantity, unit_amount = EXCLUDED.unit_amount, title = EXCLUDED.title,
         weight_grams = EXCLUDED.weight_grams, category_ids = EXCLUDED.category_ids, seller_id = EXCLUDED.seller_id,
         metadata = cart_items.metadata || EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
       RETURNING id, (xmax = 0) AS inserted
     )
     UPDATE carts SET expires_at = $14, updated_at = $13 FROM line WHERE carts.id = $2
     RETURNING carts.*, line.inserted, line.id AS line_id`,
    [item.id, item.cart_id, item.variant_id, item.product_id, item.sku, item.title, item.unit_amount, item.quantity, item.weight_grams, item.category_ids, item.seller_id, item.metadata, now, expiresAt],
    'carts_add_item',
  );
  const row = rows[0];
  if (!row) return undefined;
  const { inserted, line_id, ...cart } = row;
  return { cart, inserted, line_id };
}

export async function updateItem(tx: Queryable, cartId: string, itemId: string, fields: { quantity?: number; metadata?: Record<string, string>; unit_amount?: number }, now: Date): Promise<boolean> {
  const set = setClause(fields, 4);
  const { rowCount } = await tx.query(`UPDATE cart_items SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $3 WHERE cart_id = $1 AND id = $2`, [cartId, itemId, now, ...set.values]);
  return rowCount === 1;
}

export async function deleteItem(tx: Queryable, cartId: string, itemId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM cart_items WHERE cart_id = $1 AND id = $2', [cartId, itemId]);
  return rowCount === 1;
}

/**
 * Takes an open cart for one checkout. Returns false when another checkout holds it or it is
 * completed. A claim whose lease ran out (its process died) is not taken over here: the recovery
 * job first undoes what that checkout did (its payment, its reservation), then reopens the cart.
 */
export async function claimForCheckout(db: Queryable, id: string, leaseUntil: Date, now: Date): Promise<CartWithItems | undefined> {
  const { rows } = await db.query<Parameters<typeof withItems>[0]>(
    `WITH u AS (UPDATE carts SET status = 'completing', checkout_lease_until = $2, updated_at = $3
                WHERE id = $1 AND status = 'open' AND expires_at > $3 RETURNING *) ${WITH_ITEMS}`,
    [id, leaseUntil, now],
    'carts_claim',
  );
  return rows[0] && withItems(rows[0]);
}

/** Expired open carts, oldest first, for the purge job. */
export async function deleteExpired(db: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM carts WHERE id IN (SELECT id FROM carts WHERE status = 'open' AND expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [before, limit],
  );
  return rowCount ?? 0;
}

/** Carts whose checkout lease ran out without completing: that process died mid-checkout. */
export async function staleCheckouts(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM carts WHERE status = 'completing' AND checkout_lease_until < $1 ORDER BY checkout_lease_until LIMIT $2",
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/** What never changes about a cart: its region and currency. */
export async function cartFacts(db: Queryable, id: string): Promise<{ region_id: string; currency: string } | undefined> {
  const { rows } = await db.query<{ region_id: string; currency: string }>('SELECT region_id, currency FROM carts WHERE id = $1', [id], 'carts_facts');
  return rows[0];
}

/**
 * Marks open carts with lines, untouched since `before`, as abandoned (once each) and returns the
 * latencies their shoppers saw. SKIP LOCKED: a cart being changed right now is not abandoned.
 */
export async function markAbandoned(db: Queryable, before: Date, now: Date, limit: number): Promise<number[][]> {
  const { rows } = await db.query<{ latency_ms: number[] }>(
    `UPDATE carts SET abandoned_at = $2 WHERE id IN (
       SELECT c.id FROM carts c
       WHERE c.status = 'open' AND c.abandoned_at IS NULL AND c.updated_at < $1 AND EXISTS (SELECT 1 FROM cart_items i WHERE i.cart_id = c.id)
       ORDER BY c.updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING latency_ms`,
    [before, now, limit],
  );
  return rows.map((r) => r.latency_ms);
}
