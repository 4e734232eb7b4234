import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { CustomerSchema, customersRoutes } from './customers.routes.js';
import { CustomersService } from './customers.service.js';

export { CustomersService, type Customer } from './customers.service.js';

export const customersMigrations: MigrationSource = {
  module: 'customers',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The customers module: segments per customer id, for promotion targeting. */
export function createCustomersModule(deps: ModuleDeps) {
  const customers = new CustomersService();
  return { customers, schemas: [CustomerSchema], routes: customersRoutes(deps, customers) };
}
