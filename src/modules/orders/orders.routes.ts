import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { privateNoStore } from '../../platform/http/caching.js';
import { ListOf } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import { Order, OrderListQuery, OrderRefund, RefundCreate } from './orders.schemas.js';
import type { OrdersService } from './orders.service.js';

const READ = { auth: { scopes: ['orders:read'] } } as const;
// Money moves: a retry must not refund or capture twice, so the key is required.
const MONEY = { auth: { scopes: ['orders:write'] }, idempotency: 'required' } as const;
const tags = ['Orders'];
const Upstream = { 502: { $ref: 'Problem#' }, 503: { $ref: 'Problem#' } } as const;

/** Order routes for operators. Orders are never cached. */
export function ordersRoutes(deps: ModuleDeps, orders: OrdersService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', privateNoStore);

    app.get(
      '/v1/orders/:id',
      { config: READ, schema: { tags, summary: 'Retrieve an order', params: IdParam, response: { 200: Type.Ref(Order) } } },
      async (request) => orders.get(serviceContext(request, deps), request.params.id),
    );
    app.get(
      '/v1/orders',
      {
        config: READ,
        schema: { tags, summary: 'List orders', description: 'Oldest first; filter by status, e-mail (case-insensitive), customer and creation time.', querystring: OrderListQuery, response: { 200: ListOf(Type.Ref(Order)) } },
      },
      async (request) => orders.list(serviceContext(request, deps), request.query),
    );
    app.post(
      '/v1/orders/:id/capture',
      {
        config: MONEY,
        schema: { tags, summary: 'Capture a pending order', description: 'For regions with manual capture: captures the authorised payment; the order becomes `paid`.', params: IdParam, response: { 200: Type.Ref(Order), ...Upstream } },
      },
      async (request) => orders.capture(serviceContext(request, deps), request.params.id),
    );
    app.post(
      '/v1/orders/:id/cancel',
      {
        config: MONEY,
        schema: {
          tags,
          summary: 'Cancel an order',
          description: 'Before fulfillment only. Voids a pending payment or refunds a captured one in full, and releases the stock the order held (reserved drops; nothing had left on hand).',
          params: IdParam,
          response: { 200: Type.Ref(Order), ...Upstream },
        },
      },
      async (request) => orders.cancel(serviceContext(request, deps), request.params.id),
    );
    app.post(
      '/v1/orders/:id/refunds',
      {
        config: MONEY,
        schema: {
          tags,
          summary: 'Refund an order, in part or in full',
          description: 'Give `amount`, or `lines` (their value pro rata), or neither for everything left. Refunds repeat until the captured amount is used up, never beyond it. A full refund makes the order `refunded`.',
          params: IdParam,
          body: RefundCreate,
          response: { 201: Type.Object({ refund: OrderRefund, order: Type.Ref(Order) }), ...Upstream },
        },
      },
      async (request, reply) => {
        const ctx = serviceContext(request, deps);
        const { refund, order } = await orders.refund(ctx, request.params.id, request.body);
        return reply.code(201).send({
          refund: { id: refund.id, object: 'refund' as const, order_id: order.id, payment_id: order.payment_id ?? '', amount: refund.amount, status: refund.status, reason: request.body.reason ?? null, created_at: refund.created_at.toISOString() },
          order,
        });
      },
    );
  };
}
