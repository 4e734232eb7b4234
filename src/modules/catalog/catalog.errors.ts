import { defineErrors } from '../../platform/http/errors.js';

export const CatalogErrors = defineErrors({
  productNotFound: { code: 'product_not_found', status: 404, title: 'Product not found' },
  variantNotFound: { code: 'variant_not_found', status: 404, title: 'Variant not found' },
  categoryNotFound: { code: 'category_not_found', status: 404, title: 'Category not found' },
  handleTaken: { code: 'handle_taken', status: 409, title: 'Handle already in use' },
  skuTaken: { code: 'sku_taken', status: 409, title: 'SKU already in use' },
  unknownCategory: { code: 'unknown_category', status: 422, title: 'Unknown category' },
  categoryCycle: { code: 'category_cycle', status: 422, title: 'Category cannot move under itself' },
  categoryInUse: { code: 'category_in_use', status: 409, title: 'Category in use' },
  lastVariant: { code: 'last_variant', status: 409, title: 'A product keeps at least one variant' },
  duplicateCurrency: { code: 'duplicate_currency', status: 422, title: 'Duplicate currency' },
  duplicateSku: { code: 'duplicate_sku', status: 422, title: 'Duplicate SKU in request' },
  invalidSearch: { code: 'invalid_search', status: 422, title: 'Invalid search' },
  invalidCursor: { code: 'invalid_cursor', status: 422, title: 'Invalid cursor' },
  sellerCannotPublish: { code: 'seller_cannot_publish', status: 403, title: 'Sellers cannot publish' },
  sellerMismatch: { code: 'seller_mismatch', status: 422, title: 'Seller mismatch' },
  moderationConflict: { code: 'moderation_conflict', status: 409, title: 'Product cannot take this moderation decision' },
  moderationReasonRequired: { code: 'moderation_reason_required', status: 422, title: 'Moderation reason required' },
});
