import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { ApiKeySchema, developersRoutes } from './developers.routes.js';
import { KeysService, type SellerStatusLookup } from './keys.service.js';

export { KeysService, PUBLISHABLE_SCOPES, type ApiKey, type CreatedKey, type SellerStatusLookup } from './keys.service.js';
export { CreatedApiKeySchema } from './developers.routes.js';

export const developersMigrations: MigrationSource = {
  module: 'developers',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/**
 * The developers module: API keys today; partners, OAuth and usage later (issue 6).
 * @param sellerStatus the marketplace's seller status, so a suspended seller's keys stop working.
 */
export function createDevelopersModule(deps: ModuleDeps, sellerStatus?: SellerStatusLookup) {
  const keys = new KeysService(deps.db, deps.bus, sellerStatus ? { sellerStatus } : {});
  return { keys, schemas: [ApiKeySchema], routes: developersRoutes(deps, keys) };
}
