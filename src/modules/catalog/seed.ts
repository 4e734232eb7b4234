import type { Queryable } from '../../platform/db/database.js';

export interface SeedResult {
  categories: number;
  products: number;
  variants: number;
}

/**
 * Deterministic demo catalog: the same `products` count always yields the same categories, brands,
 * attributes and USD/EUR prices. Used by the first start, `tessera seed` and the benchmarks.
 * TODO(#2): the realistic generator replaces this placeholder.
 */
export async function seedCatalog(_db: Queryable, options: { products: number }): Promise<SeedResult> {
  return Promise.resolve({ categories: 0, products: 0 * options.products, variants: 0 });
}
