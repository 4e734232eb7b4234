import { AppError, type FieldError } from '../../platform/http/errors.js';
import { CatalogErrors } from './catalog.errors.js';
import type { VariantInput } from './catalog.schemas.js';

/** `"Men's Trail Shoe 2"` → `"men-s-trail-shoe-2"`. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/g, '');
  return slug || 'item';
}

/** Checks what a schema cannot: one price per currency in each variant, and unique SKUs in one request. */
export function checkVariants(variants: readonly Pick<VariantInput, 'sku' | 'prices'>[], pointerBase: string): void {
  const errors: FieldError[] = [];
  const skus = new Set<string>();
  variants.forEach((v, i) => {
    if (skus.has(v.sku)) errors.push({ detail: `SKU "${v.sku}" appears twice.`, pointer: `${pointerBase}/${i}/sku` });
    skus.add(v.sku);
    checkPrices(v.prices, `${pointerBase}/${i}/prices`, errors);
  });
  const first = errors[0];
  if (first) throw new AppError(first.detail.startsWith('SKU') ? CatalogErrors.duplicateSku : CatalogErrors.duplicateCurrency, first.detail, errors);
}

export function checkPrices(prices: VariantInput['prices'] | undefined, pointer: string, errors: FieldError[] = []): FieldError[] {
  const seen = new Set<string>();
  prices?.forEach((p, j) => {
    if (seen.has(p.currency)) errors.push({ detail: `Currency ${p.currency} has more than one price.`, pointer: `${pointer}/${j}/currency` });
    seen.add(p.currency);
  });
  return errors;
}

interface PgError {
  code?: string;
  constraint?: string;
}

/** Turns a unique violation on handle or SKU into its 409 problem; anything else is rethrown. */
export function uniqueViolation(err: unknown, context: { handle?: string; skus?: readonly string[] }): never {
  const e = err as PgError;
  if (e.code === '23505' && e.constraint?.endsWith('_handle_key')) {
    throw new AppError(CatalogErrors.handleTaken, `The handle "${context.handle ?? ''}" is already used by another record.`, [{ detail: 'Handle taken.', pointer: '/handle' }]);
  }
  if (e.code === '23505' && e.constraint === 'product_variants_sku_key') {
    throw new AppError(CatalogErrors.skuTaken, `A variant with SKU ${context.skus?.length === 1 ? `"${context.skus[0]}"` : 'one of these SKUs'} already exists.`);
  }
  throw err;
}
