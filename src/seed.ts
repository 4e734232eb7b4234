import type { Queryable } from './platform/db/database.js';
import { seedCatalog, type SeedResult } from './modules/catalog/index.js';
import { seedStock } from './modules/inventory/index.js';
import { seedRegions } from './modules/pricing/index.js';

/** Units of every demo SKU in the demo warehouse. */
const DEMO_UNITS = 1000;

/**
 * The demo store, in one transaction: the catalog, two regions with shipping options, and a
 * warehouse stocking every SKU, so a storefront can check out right after `npm start`.
 * Deterministic and idempotent: re-running adds only what is missing.
 */
export async function seedDemoStore(tx: Queryable, options: { products: number }): Promise<SeedResult & { regions: number }> {
  const catalog = await seedCatalog(tx, options);
  const regions = await seedRegions(tx);
  const { rows } = await tx.query<{ sku: string }>('SELECT sku FROM product_variants');
  await seedStock(tx, rows.map((r) => r.sku), DEMO_UNITS);
  return { ...catalog, regions };
}
