import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import type { CategoriesService } from '../catalog/index.js';
import { Region, ShippingOption } from './pricing.schemas.js';
import { regionsRoutes } from './regions.routes.js';
import { RegionsService } from './regions.service.js';

export { RegionsService, type RegionPricing } from './regions.service.js';
export { seedRegions, DEMO_REGIONS } from './seed.js';
export type { ShippingOptionRow, RegionRow } from './regions.repo.js';
export type * from './pricing.types.js';
export { priceCart } from './pricing.totals.js';
export { shippingAmount, totalWeightGrams } from './pricing.shipping.js';

export const pricingMigrations: MigrationSource = {
  module: 'pricing',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The pricing module: regions, tax and shipping options, and (pure) cart totals. */
export function createPricingModule(deps: ModuleDeps, categories: CategoriesService) {
  const regions = new RegionsService(deps, categories);
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    await app.register(regionsRoutes(deps, regions));
  };
  return { regions, schemas: [Region, ShippingOption], routes };
}
