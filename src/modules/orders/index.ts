import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import type { OrderInventoryPort, OrderPaymentsPort, OrderPromotionsPort } from './orders.ports.js';
import { Order, OrderLine } from './orders.schemas.js';
import { ordersRoutes } from './orders.routes.js';
import { OrdersService } from './orders.service.js';

export { OrdersService } from './orders.service.js';
export type { OrderInventoryPort, OrderPaymentsPort, OrderPromotionsPort } from './orders.ports.js';
export type { Order } from './orders.schemas.js';
export { OrderErrors } from './orders.errors.js';
export { orderEvent, orderCampaign } from './orders.events.js';

export const ordersMigrations: MigrationSource = {
  module: 'orders',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** The orders module: orders, their lifecycle, cancellation and refunds. */
export function createOrdersModule(deps: ModuleDeps, payments: OrderPaymentsPort, inventory: OrderInventoryPort, promotions: OrderPromotionsPort) {
  const orders = new OrdersService(payments, inventory, promotions);
  return { orders, schemas: [OrderLine, Order], routes: ordersRoutes(deps, orders) };
}
