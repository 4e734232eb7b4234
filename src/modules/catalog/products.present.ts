import type { ServiceContext } from '../../platform/http/context.js';
import type { Product } from './catalog.schemas.js';
import type { ProductRow } from './products.repo.js';

/** A product as operators and its seller see it: moderation fields and the seller's suspension included. */
export function presentProduct(row: ProductRow): Product {
  return {
    id: row.id,
    object: 'product',
    title: row.title,
    handle: row.handle,
    description: row.description,
    status: row.status,
    brand: row.brand,
    category_ids: row.category_ids,
    attributes: row.attributes,
    images: row.images,
    seller_id: row.seller_id,
    seller_suspended: row.seller_suspended,
    moderation_reason: row.moderation_reason,
    moderated_at: row.moderated_at ? new Date(row.moderated_at).toISOString() : null,
    metadata: row.metadata,
    variants: row.variants.map((v) => ({ ...v, object: 'variant' as const })),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** Publishable keys (storefronts): they see published products of sellers in good standing only, without moderation details. */
export function publishedOnly(ctx: Pick<ServiceContext, 'actor'>): boolean {
  return ctx.actor?.type === 'publishable';
}

/** Whether a storefront may see the product: published, and its seller (if any) not suspended. */
export function onStorefront(product: Pick<Product, 'status' | 'seller_suspended'>): boolean {
  return product.status === 'published' && product.seller_suspended !== true;
}

/**
 * The product as a storefront sees it: without `moderation_reason`, `moderated_at` and
 * `seller_suspended`, which are for the operator and the seller.
 */
export function storefrontProduct(product: Product): Product {
  const { moderation_reason: _reason, moderated_at: _at, seller_suspended: _suspended, ...rest } = product;
  return rest;
}

/** `product` as the caller may see it (see `storefrontProduct`). */
export function productFor(ctx: Pick<ServiceContext, 'actor'>, product: Product): Product {
  return publishedOnly(ctx) ? storefrontProduct(product) : product;
}
