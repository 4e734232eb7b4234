import type { PricingLine } from '../pricing/pricing.types.js';
import type { LineSelector } from './promotions.types.js';

/**
 * Whether `line` is one of the lines `selector` names. Every given field must hold (SKU listed
 * and in one of the categories); an absent field, or an absent selector, matches every line.
 * `line.category_ids` holds the product's categories and their ancestors, so naming a category
 * also matches its descendants.
 */
export function matchesSelector(line: PricingLine, selector: LineSelector | undefined): boolean {
  if (!selector) return true;
  if (selector.skus && !selector.skus.includes(line.sku)) return false;
  if (selector.category_ids && !selector.category_ids.some((c) => line.category_ids.includes(c))) return false;
  return true;
}
