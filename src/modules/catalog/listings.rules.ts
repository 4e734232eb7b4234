import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { CatalogErrors } from './catalog.errors.js';
import type { Product, ProductCreate, ProductModerate, ProductPatch } from './catalog.schemas.js';
import type { ModerationWrite } from './products.repo.js';

/**
 * Marketplace listings: what a seller key may do with products. A seller creates drafts under its
 * own id, reads and edits only its own products (others' answer 404, as if absent), and never
 * publishes: an operator moderates (publish, or reject with a reason). Pure rules; the service
 * applies them inside its transactions.
 */

/** The seller a request acts for (a seller key), or null for operator and storefront keys. */
export function sellerOf(ctx: Pick<ServiceContext, 'actor'>): string | null {
  return ctx.actor?.sellerId ?? null;
}

/** Whether the caller may see `product`: everyone but a seller key, which sees its own only. */
export function visibleTo(seller: string | null, product: Pick<Product, 'seller_id'>): boolean {
  return seller === null || product.seller_id === seller;
}

function mismatch(seller: string): never {
  throw new AppError(CatalogErrors.sellerMismatch, `A seller key writes its own listings only: seller_id must be ${seller} or left out.`, [
    { detail: 'Not the seller of this key.', pointer: '/seller_id' },
  ]);
}

function cannotPublish(): never {
  throw new AppError(CatalogErrors.sellerCannotPublish, 'Sellers cannot publish: an operator reviews the listing and publishes it (POST /v1/products/{id}/moderate). Leave status out or use draft or archived.', [
    { detail: 'Not allowed for seller keys.', pointer: '/status' },
  ]);
}

/**
 * A seller's new product: its own `seller_id` (another one is 422 `seller_mismatch`) and `draft`
 * (asking for `published` is 403 `seller_cannot_publish`).
 */
export function sellerCreate(seller: string, input: ProductCreate): ProductCreate {
  if (input.seller_id !== undefined && input.seller_id !== seller) mismatch(seller);
  if (input.status !== undefined && input.status !== 'draft') cannotPublish();
  return { ...input, seller_id: seller, status: 'draft' };
}

/** Checks a seller's patch: it cannot hand the product to another seller, nor publish it. */
export function checkSellerPatch(seller: string, patch: ProductPatch): void {
  if (patch.seller_id !== undefined && patch.seller_id !== seller) mismatch(seller);
  if (patch.status === 'published') cannotPublish();
}

/**
 * The columns an operator's moderation decision sets: `published` from draft or rejected (a reason
 * is optional), `rejected` from draft or published (a reason is required, for the seller).
 * Anything else is 409 `moderation_conflict`.
 */
export function moderationOf(status: Product['status'], input: ProductModerate, now: Date): ModerationWrite & { status: 'published' | 'rejected' } {
  if (input.decision === 'rejected' && !input.reason?.trim()) {
    throw new AppError(CatalogErrors.moderationReasonRequired, 'Rejecting a listing needs a reason, for its seller.', [{ detail: 'Required to reject.', pointer: '/reason' }]);
  }
  const from: readonly Product['status'][] = input.decision === 'published' ? ['draft', 'rejected'] : ['draft', 'published'];
  if (!from.includes(status)) {
    throw new AppError(CatalogErrors.moderationConflict, `The product is ${status}; only a ${from.join(' or ')} product can be ${input.decision}.`);
  }
  return { status: input.decision, moderation_reason: input.reason?.trim() ?? null, moderated_at: now };
}
