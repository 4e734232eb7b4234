import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from './platform/db/migrate.js';
import { catalogMigrations } from './modules/catalog/index.js';
import { developersMigrations } from './modules/developers/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Every migration folder, in the order they apply. */
export const MIGRATIONS: readonly MigrationSource[] = [
  { module: 'platform', dir: path.join(here, 'platform/db/migrations') },
  { module: 'idempotency', dir: path.join(here, 'platform/http/migrations') },
  developersMigrations,
  catalogMigrations,
];
