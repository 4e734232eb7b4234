import type { ServiceContext } from '../../platform/http/context.js';

/** A variant as carts and checkout see it: what it costs in one currency, and whether it may be sold. */
export interface PurchasableVariant {
  variant_id: string;
  product_id: string;
  sku: string;
  /** "Product title — variant title" (just the product title when they are the same). */
  title: string;
  /**
   * The product's status as a shopper may buy it: its own status, or `seller_suspended` while its
   * seller is suspended (not for sale whatever its own status, like any status but `published`).
   */
  status: 'draft' | 'published' | 'archived' | 'rejected' | 'seller_suspended';
  /** The product's categories and their ancestors, for promotions and tax overrides. */
  category_paths: string[];
  weight_grams: number;
  /** null when the variant has no price in that currency. */
  unit_amount: number | null;
  seller_id: string | null;
}

/**
 * Looks variants up by id or by SKU, priced in `currency`. Unknown references are simply absent
 * from the answer; the caller decides what that means.
 * @example const [v] = await purchasableVariants(ctx, ['SKU-1'], 'USD');
 */
export async function purchasableVariants(ctx: Pick<ServiceContext, 'db'>, refs: readonly string[], currency: string): Promise<PurchasableVariant[]> {
  if (refs.length === 0) return [];
  const { rows } = await ctx.db.query<PurchasableVariant>(
    `SELECT v.id AS variant_id, v.product_id, v.sku,
            CASE WHEN v.title = p.title THEN p.title ELSE p.title || ' — ' || v.title END AS title,
            CASE WHEN p.seller_suspended THEN 'seller_suspended' ELSE p.status END AS status, p.category_paths, coalesce(v.weight_grams, 0) AS weight_grams, p.seller_id,
            -- a subquery, not a join: the generic plan then looks the price up by its key
            (SELECT vp.amount FROM variant_prices vp WHERE vp.variant_id = v.id AND vp.currency = $2) AS unit_amount
     FROM product_variants v
     JOIN products p ON p.id = v.product_id
     WHERE v.id = ANY($1::text[]) OR v.sku = ANY($1::text[])`,
    [refs, currency],
    'catalog_purchasable_variants',
  );
  return rows;
}
