import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { InventoryService } from './inventory.service.js';
import { inventoryRoutes } from './inventory.routes.js';
import { Availability, Reservation, StockAdjustment, StockLevel, StockLocation } from './inventory.schemas.js';
import { StockLevelsService } from './levels.service.js';
import { locationsRoutes } from './locations.routes.js';
import { StockLocationsService } from './locations.service.js';

export { InventoryService } from './inventory.service.js';
export { seedStock, DEMO_LOCATION } from './seed.js';
export { StockLevelsService } from './levels.service.js';
export { StockLocationsService } from './locations.service.js';
export { InventoryErrors, OutOfStockError, type Shortage } from './inventory.errors.js';
export { releaseExpiredReservations, releaseExpiredEverywhere, type ExpiryOptions } from './reservations.expiry.js';
export type { ReserveInput } from './reservations.rules.js';
export type { RequestedLine } from './inventory.allocation.js';
export type { Availability, Reservation, ReservationStatus, StockAdjustment, StockLevel, StockLocation } from './inventory.schemas.js';

export const inventoryMigrations: MigrationSource = {
  module: 'inventory',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/**
 * The inventory module: stock locations, stock levels per SKU and location with a ledger of every
 * change, and the reservations checkout holds while it runs. `service` is what checkout and orders
 * call (reserve, release, commit; then ship, releaseAllocation, restock; availability); fulfillment
 * calls ship in the shipment's transaction; the expiry job is `releaseExpiredEverywhere`.
 * @example
 *   const inventory = createInventoryModule(moduleDeps);
 *   const hold = await inventory.service.reserve(ctx, { reference: cart.id, lines });
 */
export function createInventoryModule(deps: ModuleDeps, options: { reservationTtlSeconds?: number } = {}) {
  const locations = new StockLocationsService();
  const stock = new StockLevelsService();
  const defaultTtlSeconds = options.reservationTtlSeconds ?? deps.config.reservationTtlSeconds;
  const service = new InventoryService({ metrics: deps.metrics, defaultTtlSeconds }, stock);
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    await app.register(locationsRoutes(deps, locations, stock));
    await app.register(inventoryRoutes(deps, service, stock));
  };
  return { service, locations, stock, schemas: [StockLocation, StockLevel, Availability, Reservation, StockAdjustment], routes };
}
