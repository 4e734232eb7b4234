import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { privateNoStore } from '../../platform/http/caching.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import { Cart, CartCreate, CartPatch, CartShippingOption, ItemAdd, ItemPatch } from './carts.schemas.js';
import type { CartLatencyRecorder } from './carts.latency.js';
import type { CartsService } from './carts.service.js';

const READ = { auth: { scopes: ['carts:read'] } } as const;
const WRITE = { auth: { scopes: ['carts:write'] } } as const;
const tags = ['Carts'];
const ItemParams = Type.Object({ id: Type.String({ maxLength: 64 }), item_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
const CodeParams = Type.Object({ id: Type.String({ maxLength: 64 }), code: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const Gone = { 410: { $ref: 'Problem#' } } as const;
const CartReply = { 200: Type.Ref(Cart), ...Gone };

/** Cart routes, for storefronts (publishable key) and operators. Carts are never cached. */
export function cartsRoutes(deps: ModuleDeps, carts: CartsService, latency: CartLatencyRecorder): FastifyPluginAsyncTypebox {
  /** The id of a cart created by a request, for the latency hook (other routes carry it in the path). */
  const created = new WeakMap<object, string>();
  return async (app) => {
    app.addHook('onRequest', privateNoStore);
    // every cart request's latency, for abandonment by latency bucket (written in batches, off the request path)
    app.addHook('onResponse', (request, reply, done) => {
      const id = (request.params as { id?: string } | undefined)?.id ?? created.get(request);
      const env = request.ctx.credential?.env;
      if (id && env && reply.statusCode < 400) latency.record(env, id, reply.elapsedTime);
      done();
    });

    app.post(
      '/v1/carts',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a cart',
          description: "In a region, and so in its currency. Items may be added at once. Carts expire after a configurable idle time (`TESSERA_CART_TTL_SECONDS`, 7 days by default); every change extends it.",
          body: CartCreate,
          response: { 201: Type.Ref(Cart) },
        },
      },
      async (request, reply) => {
        const cart = await carts.create(serviceContext(request, deps), request.body);
        created.set(request, cart.id);
        return reply.code(201).send(cart);
      },
    );
    app.get(
      '/v1/carts/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a cart, priced', params: IdParam, response: CartReply } },
      async (request) => carts.get(serviceContext(request, deps), request.params.id),
    );
    app.patch(
      '/v1/carts/:id',
      {
        config: WRITE,
        schema: { tags, summary: 'Update email, customer, addresses or metadata', description: 'Address countries must be served by the cart\'s region. `null` clears a field.', params: IdParam, body: CartPatch, response: CartReply },
      },
      async (request) => carts.update(serviceContext(request, deps), request.params.id, request.body),
    );
    app.post(
      '/v1/carts/:id/items',
      { config: WRITE, schema: { tags, summary: 'Add an item', params: IdParam, body: ItemAdd, response: CartReply } },
      async (request) => carts.addItem(serviceContext(request, deps), request.params.id, request.body),
    );
    app.patch(
      '/v1/carts/:id/items/:item_id',
      { config: WRITE, schema: { tags, summary: "Change an item's quantity", params: ItemParams, body: ItemPatch, response: CartReply } },
      async (request) => carts.updateItem(serviceContext(request, deps), request.params.id, request.params.item_id, request.body),
    );
    app.delete(
      '/v1/carts/:id/items/:item_id',
      { config: WRITE, schema: { tags, summary: 'Remove an item', params: ItemParams, response: CartReply } },
      async (request) => carts.removeItem(serviceContext(request, deps), request.params.id, request.params.item_id),
    );
    app.get(
      '/v1/carts/:id/shipping_options',
      {
        config: READ,
        schema: {
          tags,
          summary: 'Shipping options for this cart',
          description: "The region's active options that fit the cart's weight, each with what it costs for this cart.",
          params: IdParam,
          response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(CartShippingOption), has_more: Type.Boolean(), next_cursor: Type.Null() }), ...Gone },
        },
      },
      async (request) => ({ object: 'list' as const, data: await carts.shippingOptions(serviceContext(request, deps), request.params.id), has_more: false, next_cursor: null }),
    );
    app.post(
      '/v1/carts/:id/shipping',
      {
        config: WRITE,
        schema: { tags, summary: 'Choose a shipping option', params: IdParam, body: Type.Object({ option_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), response: CartReply },
      },
      async (request) => carts.setShipping(serviceContext(request, deps), request.params.id, request.body.option_id),
    );
    app.post(
      '/v1/carts/:id/promotions',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Apply a promotion code',
          description: 'An unknown code is a 422. A known code that does not apply (yet) stays on the cart and is listed in `promotions.rejected` with a machine `reason`.',
          params: IdParam,
          body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
          response: CartReply,
        },
      },
      async (request) => carts.addPromotion(serviceContext(request, deps), request.params.id, request.body.code),
    );
    app.delete(
      '/v1/carts/:id/promotions/:code',
      { config: WRITE, schema: { tags, summary: 'Remove a promotion code', params: CodeParams, response: CartReply } },
      async (request) => carts.removePromotion(serviceContext(request, deps), request.params.id, request.params.code),
    );
  };
}
