import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { Dispatcher } from '../../platform/events/dispatcher.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { SellerOrder, SellerOrderLine } from './seller-orders.schemas.js';
import { sellerOrdersRoutes } from './seller-orders.routes.js';
import { SellerOrdersService, type SellerOrdersPorts } from './seller-orders.service.js';

import { Seller } from './sellers.schemas.js';
import { sellersRoutes } from './sellers.routes.js';
import { SellersService, type SellerKeysPort, type SellerListingsPort } from './sellers.service.js';
import { LedgerService } from './ledger.service.js';
import { payoutsRoutes } from './payouts.routes.js';
import { settlementsRoutes } from './settlements.routes.js';
import { settlementSchemas } from './settlements.schemas.js';
import { SettlementsService } from './settlements.service.js';

export type { SellerOrdersPorts } from './seller-orders.service.js';
export { SellersService, SELLER_KEY_SCOPES, type SellerKeysPort, type SellerListingsPort, type SellerTerms } from './sellers.service.js';
export type { OrderFacts } from './seller-orders.ports.js';
export { parentStatus, sellerOrderStatus } from './seller-orders.status.js';

/** What the marketplace needs of other modules (filled in composition.ts). */
export interface MarketplacePorts {
  sellerOrders: SellerOrdersPorts;
  /** Creates seller keys (the developers module's KeysService), with the response schema of a created key. */
  keys: SellerKeysPort & { createdKeySchema: TSchema };
  /** Hides and shows a seller's listings as it is suspended and reinstated (the catalog's ProductsService). */
  listings: SellerListingsPort;
}

export const marketplaceMigrations: MigrationSource = {
  module: 'marketplace',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/**
 * The marketplace module: sellers, seller orders, the seller ledger and settlements.
 * Seller orders and ledger entries follow orders through outbox subscribers on the dispatcher.
 */
export function createMarketplaceModule(deps: ModuleDeps, dispatcher: Dispatcher, ports: MarketplacePorts) {
  const sellerOrders = new SellerOrdersService(ports.sellerOrders, { commission: deps.config.commission, shippingPayee: deps.config.sellerShippingPayee, logger: deps.logger });
  dispatcher.subscribe('marketplace.seller_orders', (tx, events, ctx) => sellerOrders.onEvents(tx, events, ctx));
  const sellers = new SellersService(deps, ports.keys, ports.listings);
  // after the seller orders' subscriber: a batch's refunds find the seller orders it created
  const ledger = new LedgerService();
  ledger.subscribe(dispatcher);
  const settlements = new SettlementsService(deps.config.settlements.holdDays, deps.config.settlements.intervalMinutes * 60_000);
  const schemas: TSchema[] = [SellerOrderLine, SellerOrder, Seller, ...settlementSchemas];
  const parts: FastifyPluginAsyncTypebox[] = [sellerOrdersRoutes(deps, sellerOrders), sellersRoutes(deps, sellers, ports.keys.createdKeySchema), settlementsRoutes(deps, settlements), payoutsRoutes(deps, ledger, settlements)];
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    for (const part of parts) await app.register(part);
  };
  return { sellerOrders, sellers, ledger, settlements, schemas, routes };
}
