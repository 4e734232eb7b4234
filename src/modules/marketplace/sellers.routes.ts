import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import { ListOf } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import { Seller, SellerCreate, SellerKeyCreate, SellerListQuery, SellerPatch } from './sellers.schemas.js';
import type { SellerAction, SellersService } from './sellers.service.js';

const READ = { auth: { scopes: ['sellers:read'] } } as const;
const WRITE = { auth: { scopes: ['sellers:write'] } } as const;
const tags = ['Sellers'];

const ACTIONS: { action: SellerAction; summary: string }[] = [
  { action: 'activate', summary: 'Activate a pending seller' },
  { action: 'suspend', summary: 'Suspend an active seller: its keys stop working at once' },
  { action: 'reinstate', summary: 'Reinstate a suspended seller' },
];

/**
 * Sellers: the operator's routes (`sellers:read` / `sellers:write`, secret or restricted keys, never
 * seller keys), and `GET /v1/seller` for a seller key to read its own seller.
 * @param createdKey the response schema of a created API key (the keys module's), for seller keys.
 */
export function sellersRoutes(deps: ModuleDeps, sellers: SellersService, createdKey: TSchema): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/sellers',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a seller',
          description: 'A new seller is `pending` until activated. Payout details are stored encrypted; responses show only the holder and the last four characters.',
          body: SellerCreate,
          response: { 201: Type.Ref(Seller) },
        },
      },
      async (request, reply) => reply.code(201).send(await sellers.create(serviceContext(request, deps), request.body)),
    );
    app.get(
      '/v1/sellers',
      { config: READ, schema: { tags, summary: 'List sellers', description: 'Ordered by id (creation time).', querystring: SellerListQuery, response: { 200: ListOf(Type.Ref(Seller)) } } },
      async (request) => sellers.list(serviceContext(request, deps), request.query),
    );
    app.get(
      '/v1/sellers/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a seller', params: IdParam, response: { 200: Type.Ref(Seller) } } },
      async (request) => sellers.get(serviceContext(request, deps), request.params.id),
    );
    app.patch(
      '/v1/sellers/:id',
      { config: WRITE, schema: { tags, summary: 'Update a seller', params: IdParam, body: SellerPatch, response: { 200: Type.Ref(Seller) } } },
      async (request) => sellers.update(serviceContext(request, deps), request.params.id, request.body),
    );
    for (const { action, summary } of ACTIONS) {
      app.post(
        `/v1/sellers/:id/${action}`,
        { config: WRITE, schema: { tags, summary, description: 'Any other starting status answers 409 `seller_status_conflict`.', params: IdParam, response: { 200: Type.Ref(Seller) } } },
        async (request) => sellers.transition(serviceContext(request, deps), request.params.id, action),
      );
    }
    app.post(
      '/v1/sellers/:id/keys',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a seller key',
          description:
            'A restricted key bound to the seller: routes that accept seller keys confine it to the seller\'s own data, every other route refuses it. ' +
            'Default scopes: catalog:write, seller_orders:write, orders:write, webhooks:write, payouts:read. The response holds the key once; revoke it with DELETE /v1/api_keys/{id}.',
          params: IdParam,
          body: SellerKeyCreate,
          response: { 201: createdKey },
        },
      },
      async (request, reply) => reply.code(201).send(await sellers.createKey(serviceContext(request, deps), request.params.id, request.body)),
    );
    app.get(
      '/v1/seller',
      {
        // any seller key may read its own seller; other keys get 403 seller_key_required
        config: { auth: { scopes: [], sellers: true } },
        schema: { tags, summary: 'Retrieve the seller of the calling seller key', response: { 200: Type.Ref(Seller) } },
      },
      async (request) => sellers.me(serviceContext(request, deps)),
    );
  };
}
