import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { CarrierEmulator } from './carriers.emulator.js';
import { CarrierIntake } from './carriers.intake.js';
import type { FulfillmentInventoryPort, FulfillmentOrdersPort } from './fulfillment.ports.js';
import { fulfillmentRoutes } from './fulfillment.routes.js';
import { Shipment } from './fulfillment.schemas.js';
import type { LineSellers } from './shipments.sellers.js';
import { ShipmentsService } from './shipments.service.js';

export { carrierAdapters, adapterFor } from './carriers/index.js';
export type { CarrierCode, CanonicalStatus } from './carriers/carrier.js';

export const fulfillmentMigrations: MigrationSource = {
  module: 'fulfillment',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The fulfillment module: shipments, carrier webhooks and canonical tracking. */
export function createFulfillmentModule(deps: ModuleDeps, orders: FulfillmentOrdersPort, inventory: FulfillmentInventoryPort, lineSellers?: LineSellers) {
  const shipments = new ShipmentsService(orders, inventory, lineSellers);
  const intake = new CarrierIntake({ ...deps, registry: deps.metrics.registry, pollMs: deps.config.webhooks.pollMs }, deps.config.carrierSecrets, shipments);
  // the emulated carriers post to this API itself: its listening address (tests set it once they listen)
  const emulator = new CarrierEmulator(`http://${deps.config.host === '0.0.0.0' ? '127.0.0.1' : deps.config.host}:${deps.config.port}`, (env, carrier) => intake.secretFor(env, carrier), deps.now);
  return { shipments, intake, emulator, schemas: [Shipment], routes: fulfillmentRoutes(deps, shipments, intake, emulator) };
}
