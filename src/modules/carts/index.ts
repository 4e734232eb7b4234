import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import type { RegionsService } from '../pricing/index.js';
import type { CustomersPort, PromotionsPort } from './carts.ports.js';
import { Cart, CartItem, Totals } from './carts.schemas.js';
import { cartsRoutes } from './carts.routes.js';
import { CartAbandonment } from './carts.abandonment.js';
import { CartCheckout } from './carts.checkout.js';
import { CartLatencyRecorder, CartMetrics } from './carts.latency.js';
import { CartsService } from './carts.service.js';

export { CartsService } from './carts.service.js';
export { CartCheckout, type StaleLine } from './carts.checkout.js';
export { CartAbandonment } from './carts.abandonment.js';
export { latencyBucket, p95 } from './carts.latency.js';
export { CartErrors } from './carts.errors.js';
export { customerKey, type CustomersPort, type PromotionsPort } from './carts.ports.js';
export { lineAmounts, type PricedCart } from './carts.present.js';
export type { CartRow, CartItemRow, CartWithItems } from './carts.repo.js';
export { Address, type Cart } from './carts.schemas.js';

export const cartsMigrations: MigrationSource = {
  module: 'carts',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The carts module: carts and their lines, priced by the pricing module with promotions. */
export function createCartsModule(deps: ModuleDeps, regions: RegionsService, promotions: PromotionsPort, customers: CustomersPort) {
  const carts = new CartsService(deps, regions, promotions, customers);
  const latency = new CartLatencyRecorder(deps.db);
  latency.start();
  const abandonment = new CartAbandonment(latency, new CartMetrics(deps.metrics.registry), deps.config.cartAbandonAfterSeconds);
  return {
    carts,
    checkout: new CartCheckout(carts),
    abandonment,
    latency,
    schemas: [CartItem, Totals, Cart],
    routes: cartsRoutes(deps, carts, latency),
  };
}
