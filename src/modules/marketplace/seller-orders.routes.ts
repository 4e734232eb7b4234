import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { privateNoStore } from '../../platform/http/caching.js';
import { ListOf } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import { SellerOrder, SellerOrderListQuery } from './seller-orders.schemas.js';
import type { SellerOrdersService } from './seller-orders.service.js';

// Seller keys read their own seller orders only (the service confines every query to them).
const READ = { auth: { scopes: ['seller_orders:read'], sellers: true } } as const;
const tags = ['Seller orders'];

/** Seller orders: operators see all, a seller key only its own (another seller's answers 404). */
export function sellerOrdersRoutes(deps: ModuleDeps, sellerOrders: SellerOrdersService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', privateNoStore);
    app.get(
      '/v1/seller_orders',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List seller orders',
          description: "Oldest first. `order_id` lists an order's seller orders (its children: the parent's status is derived from theirs when all its lines are sellers'). A seller key sees only its own.",
          querystring: SellerOrderListQuery,
          response: { 200: ListOf(Type.Ref(SellerOrder)) },
        },
      },
      async (request) => sellerOrders.list(serviceContext(request, deps), request.query),
    );
    app.get(
      '/v1/seller_orders/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a seller order', params: IdParam, response: { 200: Type.Ref(SellerOrder) } } },
      async (request) => sellerOrders.get(serviceContext(request, deps), request.params.id),
    );
  };
}
