import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { IdParam } from '../../platform/http/schemas.js';
import { RecommendationModel } from './models.schemas.js';
import type { ModelsService } from './models.service.js';

const READ = { auth: { scopes: ['recommendation_models:read'] } } as const;
const WRITE = { auth: { scopes: ['recommendation_models:write'] } } as const;
const tags = ['Personalization'];

/** `/v1/recommendation_models`: model snapshots (operators): refresh, list, activate, roll back. */
export function modelsRoutes(deps: ModuleDeps, models: ModelsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/recommendation_models/refresh',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Build a new recommendation model now',
          description:
            'Builds the next version from the signals of the last 90 days (co-occurrence, decayed popularity, category affinity), evaluates it offline ' +
            '(precision@10 and recall@10 on a time-based hold-out, against popularity alone) and, unless `?activate=false`, activates it. ' +
            'Synchronous: answers with the built model. A scheduled job does the same every `TESSERA_MODEL_REFRESH_MINUTES`.',
          querystring: Type.Object({ activate: Type.Boolean({ default: true, description: 'false: build and evaluate, leaving the active model as it is.' }) }, { additionalProperties: false }),
          response: { 201: Type.Ref(RecommendationModel) },
        },
      },
      async (request, reply) => reply.code(201).send(await models.refresh(serviceContext(request, deps), { activate: request.query.activate })),
    );

    app.post(
      '/v1/recommendation_models/rollback',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Reactivate the previous model',
          description: 'Activates the newest model below the active one that was active before, and retires the current one, atomically. 409 when there is none.',
          response: { 200: Type.Ref(RecommendationModel) },
        },
      },
      async (request) => models.rollback(serviceContext(request, deps)),
    );

    app.get(
      '/v1/recommendation_models',
      { config: READ, schema: { tags, summary: 'List recommendation models, newest version first', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: ListOf(Type.Ref(RecommendationModel)) } } },
      async (request) => models.list(serviceContext(request, deps), request.query),
    );

    app.get(
      '/v1/recommendation_models/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a recommendation model', params: IdParam, response: { 200: Type.Ref(RecommendationModel) } } },
      async (request) => models.get(serviceContext(request, deps), request.params.id),
    );

    app.post(
      '/v1/recommendation_models/:id/activate',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Activate a recommendation model',
          description: 'Makes a built (`ready` or `retired`) model the active one and retires the one before, in one transaction; emits `recommendation_model.activated`.',
          params: IdParam,
          response: { 200: Type.Ref(RecommendationModel) },
        },
      },
      async (request) => models.activate(serviceContext(request, deps), request.params.id),
    );
  };
}
