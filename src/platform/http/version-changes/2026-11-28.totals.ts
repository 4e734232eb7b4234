import { renameKey, type VersionChange } from './types.js';

/**
 * 2026-11-28: `totals.shipping_discount` is now `totals.shipping_discount_total`, named like the
 * other totals (`discount_total`, `shipping_total`, `tax_total`). Carts and orders, and every
 * response embedding them.
 */
export const shippingDiscountTotal: VersionChange = {
  version: '2026-11-28',
  description: 'Carts and orders: `totals.shipping_discount` is renamed `totals.shipping_discount_total`, like the other totals.',
  objects: ['cart', 'order'],
  transform(value) {
    const totals = value.totals;
    if (totals && typeof totals === 'object' && !Array.isArray(totals)) renameKey(totals as Record<string, unknown>, 'shipping_discount_total', 'shipping_discount');
  },
};
