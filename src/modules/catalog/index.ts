import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { Category, Product, Variant } from './catalog.schemas.js';
import { CategoriesService } from './categories.service.js';
import { categoriesRoutes } from './categories.routes.js';
import { ProductsService } from './products.service.js';
import { productsRoutes } from './products.routes.js';
import { FacetBucket, SearchResult, searchRoutes } from './search.routes.js';
import { SearchService } from './search.service.js';
import type { CatalogPorts } from './catalog.ports.js';

export { ProductsService } from './products.service.js';
export { seedCatalog, type SeedResult } from './seed.js';
export { CategoriesService } from './categories.service.js';
export { purchasableVariants, type PurchasableVariant } from './purchasable.js';
export type { Product, Category } from './catalog.schemas.js';
export type { CatalogPorts, CatalogSellersPort } from './catalog.ports.js';

export const catalogMigrations: MigrationSource = {
  module: 'catalog',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The catalog module: categories, products and variants, and (in search.*) faceted search. */
export function createCatalogModule(deps: ModuleDeps, ports: CatalogPorts) {
  const categories = new CategoriesService(deps);
  const products = new ProductsService(deps, categories, ports.sellers);
  const search = new SearchService(deps, products);
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    await app.register(searchRoutes(deps, search));
    await app.register(productsRoutes(deps, products));
    await app.register(categoriesRoutes(deps, categories));
  };
  return { categories, products, schemas: [Variant, Product, Category, FacetBucket, SearchResult], routes };
}
