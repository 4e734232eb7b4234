import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListOf } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { DeletedOf, IdParam } from '../../platform/http/schemas.js';
import { Promotion, PromotionCreate, PromotionListQuery, PromotionPatch } from './promotions.schemas.js';
import type { PromotionsService } from './promotions.service.js';

const READ = { auth: { scopes: ['promotions:read'] } } as const;
const WRITE = { auth: { scopes: ['promotions:write'] } } as const;
const tags = ['Promotions'];

/** Operator routes for promotions: automatic ones and coupon codes. Secret or restricted keys with `promotions:*` scopes. */
export function promotionsRoutes(deps: ModuleDeps, promotions: PromotionsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/promotions',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a promotion',
          description: 'Without a `code` the promotion is automatic: it applies to every eligible cart. Conditions and actions are typed; see their schemas.',
          body: PromotionCreate,
          response: { 201: Type.Ref(Promotion) },
        },
      },
      async (request, reply) => reply.code(201).send(await promotions.create(serviceContext(request, deps), request.body)),
    );

    app.get(
      '/v1/promotions',
      { config: READ, schema: { tags, summary: 'List promotions', description: 'Ordered by id (creation time).', querystring: PromotionListQuery, response: { 200: ListOf(Type.Ref(Promotion)) } } },
      async (request) => promotions.list(serviceContext(request, deps), request.query),
    );

    app.get(
      '/v1/promotions/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a promotion', params: IdParam, response: { 200: Type.Ref(Promotion) } } },
      async (request) => promotions.get(serviceContext(request, deps), request.params.id),
    );

    app.patch(
      '/v1/promotions/:id',
      { config: WRITE, schema: { tags, summary: 'Update a promotion', description: 'Set `status: "inactive"` to stop it applying.', params: IdParam, body: PromotionPatch, response: { 200: Type.Ref(Promotion) } } },
      async (request) => promotions.update(serviceContext(request, deps), request.params.id, request.body),
    );

    app.delete(
      '/v1/promotions/:id',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Delete a promotion',
          description: 'Only a promotion never redeemed can be deleted; one with redemptions answers 409 `promotion_in_use`: deactivate it instead.',
          params: IdParam,
          response: { 200: DeletedOf('promotion') },
        },
      },
      async (request) => {
        await promotions.remove(serviceContext(request, deps), request.params.id);
        return { id: request.params.id, object: 'promotion' as const, deleted: true as const };
      },
    );
  };
}
