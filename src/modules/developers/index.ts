import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { ApiKeySchema, developersRoutes } from './developers.routes.js';
import { KeysService } from './keys.service.js';

export { KeysService, PUBLISHABLE_SCOPES, type ApiKey, type CreatedKey } from './keys.service.js';

export const developersMigrations: MigrationSource = {
  module: 'developers',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The developers module: API keys today; partners, OAuth and usage later (issue 6). */
export function createDevelopersModule(deps: ModuleDeps) {
  const keys = new KeysService(deps.db, deps.bus);
  return { keys, schemas: [ApiKeySchema], routes: developersRoutes(deps, keys) };
}
