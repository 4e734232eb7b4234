import type { Queryable } from '../../platform/db/database.js';
import { setClause } from '../../platform/db/sql.js';
import type { Product, Variant, VariantInput } from './catalog.schemas.js';

export interface ProductRow {
  id: string;
  title: string;
  handle: string;
  description: string;
  status: Product['status'];
  brand: string | null;
  category_ids: string[];
  category_paths: string[];
  attributes: Record<string, string>;
  images: string[];
  seller_id: string | null;
  /** The seller is suspended: hidden from storefronts and not for sale (the status is kept). */
  seller_suspended: boolean;
  moderation_reason: string | null;
  moderated_at: Date | null;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  variants: Omit<Variant, 'object'>[];
}

/** A product joined with its variants and their prices, as one row. */
const SELECT_PRODUCT = `
  SELECT p.id, p.title, p.handle, p.description, p.status, p.brand, p.category_ids, p.category_paths, p.attributes,
         p.images, p.seller_id, p.seller_suspended, p.moderation_reason, p.moderated_at, p.metadata, p.created_at, p.updated_at,
         coalesce((
           SELECT json_agg(json_build_object(
                    'id', v.id, 'sku', v.sku, 'title', v.title, 'options', v.options, 'weight_grams', v.weight_grams,
                    'prices', coalesce((SELECT json_agg(json_build_object('currency', vp.currency, 'amount', vp.amount) ORDER BY vp.currency)
                                        FROM variant_prices vp WHERE vp.variant_id = v.id), '[]'::json))
                  ORDER BY v.position)
           FROM product_variants v WHERE v.product_id = p.id), '[]'::json) AS variants
  FROM products p`;

/** Loads products by id, in id order. */
export async function loadProducts(db: Queryable, ids: readonly string[]): Promise<ProductRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<ProductRow>(`${SELECT_PRODUCT} WHERE p.id = ANY($1::text[]) ORDER BY p.id`, [ids], 'catalog_load_products');
  return rows;
}

/**
 * One page of product ids after a cursor, optionally only what a storefront sees (published, of a
 * seller that is not suspended), of one status, of one seller.
 */
export async function pageProductIds(db: Queryable, after: string | undefined, limit: number, publishedOnly: boolean, status?: string, sellerId?: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM products
     WHERE ($1::text IS NULL OR id > $1) AND (NOT $3::bool OR (status = 'published' AND NOT seller_suspended)) AND ($4::text IS NULL OR status = $4)
       AND ($5::text IS NULL OR seller_id = $5)
     ORDER BY id LIMIT $2`,
    // Unnamed: planned for each call's values, so a cursor turns into an index range.
    [after ?? null, limit, publishedOnly, status ?? null, sellerId ?? null],
  );
  return rows.map((r) => r.id);
}

/** The columns a product write sets: the row without its timestamps, moderation and variants. */
export type ProductWrite = Omit<ProductRow, 'created_at' | 'updated_at' | 'variants' | 'moderation_reason' | 'moderated_at'>;
/** What moderation sets besides the status. */
export type ModerationWrite = Pick<ProductRow, 'moderation_reason' | 'moderated_at'>;

export async function insertProduct(tx: Queryable, p: ProductWrite, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO products (id, title, handle, description, status, brand, category_ids, category_paths, attributes, images, seller_id, seller_suspended, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
    [p.id, p.title, p.handle, p.description, p.status, p.brand, p.category_ids, p.category_paths, p.attributes, p.images, p.seller_id, p.seller_suspended, p.metadata, now],
  );
}

/** Writes the given columns of a product; returns false when it does not exist. */
export async function updateProduct(tx: Queryable, id: string, fields: Partial<ProductWrite & ModerationWrite>, now: Date): Promise<boolean> {
  const set = setClause(fields, 3);
  const { rowCount } = await tx.query(`UPDATE products SET ${[set.sql, 'updated_at = $2'].filter(Boolean).join(', ')} WHERE id = $1`, [id, now, ...set.values]);
  return rowCount === 1;
}

/**
 * Flags (or unflags) every product of a seller as its seller's status changes; returns the ids that
 * changed. The products keep their status and `updated_at`: nothing about the listing itself changed.
 */
export async function setSellerSuspended(tx: Queryable, sellerId: string, suspended: boolean): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    'UPDATE products SET seller_suspended = $2 WHERE seller_id = $1 AND seller_suspended <> $2 RETURNING id',
    [sellerId, suspended],
  );
  return rows.map((r) => r.id);
}

export async function deleteProduct(tx: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM products WHERE id = $1', [id]);
  return rowCount === 1;
}

/** Locks a product for a write and reads it as it stands, for the write's event (what changed). */
export async function lockProduct(tx: Queryable, id: string): Promise<ProductRow | undefined> {
  const { rows } = await tx.query<ProductRow>(`${SELECT_PRODUCT} WHERE p.id = $1 FOR UPDATE OF p`, [id], 'catalog_lock_product');
  return rows[0];
}

export async function insertVariant(tx: Queryable, productId: string, id: string, v: VariantInput, position: number, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO product_variants (id, product_id, sku, title, options, weight_grams, position, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [id, productId, v.sku, v.title ?? v.sku, v.options ?? {}, v.weight_grams ?? null, position, now],
  );
  await replacePrices(tx, id, v.prices);
}

export async function replacePrices(tx: Queryable, variantId: string, prices: VariantInput['prices']): Promise<void> {
  await tx.query('DELETE FROM variant_prices WHERE variant_id = $1', [variantId]);
  await tx.query(
    `INSERT INTO variant_prices (variant_id, currency, amount) SELECT $1, c, a FROM unnest($2::text[], $3::bigint[]) AS t(c, a)`,
    [variantId, prices.map((p) => p.currency), prices.map((p) => p.amount)],
  );
}

export async function updateVariant(tx: Queryable, productId: string, variantId: string, fields: Record<string, unknown>, now: Date): Promise<boolean> {
  const set = setClause(fields, 4);
  const { rowCount } = await tx.query(
    `UPDATE product_variants SET ${[set.sql, 'updated_at = $3'].filter(Boolean).join(', ')} WHERE id = $1 AND product_id = $2`,
    [variantId, productId, now, ...set.values],
  );
  return rowCount === 1;
}

export async function deleteVariant(tx: Queryable, productId: string, variantId: string): Promise<{ deleted: boolean; remaining: number }> {
  const { rowCount } = await tx.query('DELETE FROM product_variants WHERE id = $1 AND product_id = $2', [variantId, productId]);
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM product_variants WHERE product_id = $1', [productId]);
  return { deleted: rowCount === 1, remaining: rows[0]?.n ?? 0 };
}

export async function nextVariantPosition(tx: Queryable, productId: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT coalesce(max(position) + 1, 0)::int AS n FROM product_variants WHERE product_id = $1', [productId]);
  return rows[0]?.n ?? 0;
}

/** Recomputes the product's lowest price per currency from its variants (search filters and sorts use it). */
export async function refreshMinPrices(tx: Queryable, productId: string): Promise<void> {
  await tx.query(
    `UPDATE products SET min_prices = coalesce((
       SELECT jsonb_object_agg(currency, amount) FROM (
         SELECT vp.currency, min(vp.amount) AS amount FROM variant_prices vp
         JOIN product_variants v ON v.id = vp.variant_id WHERE v.product_id = $1 GROUP BY vp.currency) m), '{}'::jsonb)
     WHERE id = $1`,
    [productId],
  );
}
