import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListOf } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { Flag, FlagCreate, FlagEvaluate, FlagEvaluation, FlagKeyParam, FlagListQuery, FlagPatch } from './flags.schemas.js';
import type { FlagsService } from './flags.service.js';

const READ = { auth: { scopes: ['flags:read'] } } as const;
const WRITE = { auth: { scopes: ['flags:write'] } } as const;
// storefronts evaluate flags with their publishable key, whose fixed scopes include catalog:read
const EVALUATE = { auth: { scopes: ['catalog:read'] } } as const;
const tags = ['Flags'];

/** Operator CRUD on feature flags by key (`flags:*` scopes), and evaluation for a subject (any key with `catalog:read`, publishable ones included). */
export function flagsRoutes(deps: ModuleDeps, flags: FlagsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/flags',
      { config: WRITE, schema: { tags, summary: 'Create a flag', description: 'Off (`enabled: false`) unless said otherwise.', body: FlagCreate, response: { 201: Type.Ref(Flag) } } },
      async (request, reply) => reply.code(201).send(await flags.create(serviceContext(request, deps), request.body)),
    );
    app.get(
      '/v1/flags',
      { config: READ, schema: { tags, summary: 'List flags', description: 'Ordered by key; the cursor is a key.', querystring: FlagListQuery, response: { 200: ListOf(Type.Ref(Flag)) } } },
      async (request) => flags.list(serviceContext(request, deps), request.query),
    );
    app.post(
      '/v1/flags/evaluate',
      {
        config: EVALUATE,
        schema: {
          tags,
          summary: 'Evaluate every flag for a subject',
          description:
            'Deterministic: the same subject and attributes always get the same values. A rollout of p % is on when SHA-256(flag key, subject) read as a fraction of 2^32 is below p/100. Publishable keys may call it (scope `catalog:read`).',
          body: FlagEvaluate,
          response: { 200: Type.Ref(FlagEvaluation) },
        },
      },
      async (request) => flags.evaluate(serviceContext(request, deps), request.body),
    );
    app.get(
      '/v1/flags/:key',
      { config: READ, schema: { tags, summary: 'Retrieve a flag', params: FlagKeyParam, response: { 200: Type.Ref(Flag) } } },
      async (request) => flags.get(serviceContext(request, deps), request.params.key),
    );
    app.patch(
      '/v1/flags/:key',
      { config: WRITE, schema: { tags, summary: 'Update a flag', params: FlagKeyParam, body: FlagPatch, response: { 200: Type.Ref(Flag) } } },
      async (request) => flags.update(serviceContext(request, deps), request.params.key, request.body),
    );
    app.delete(
      '/v1/flags/:key',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Delete a flag',
          params: FlagKeyParam,
          response: { 200: Type.Object({ id: Type.String(), object: Type.Literal('flag'), key: Type.String(), deleted: Type.Literal(true) }) },
        },
      },
      async (request) => {
        const id = await flags.remove(serviceContext(request, deps), request.params.key);
        return { id, object: 'flag' as const, key: request.params.key, deleted: true as const };
      },
    );
  };
}
