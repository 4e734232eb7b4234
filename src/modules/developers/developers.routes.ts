import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { serviceContext } from '../../platform/http/module.js';
import { keyMode, type KeysService } from './keys.service.js';
import { Nullable, StringEnum } from '../../platform/http/schemas.js';
import { API_VERSIONS } from '../../platform/http/versioning.js';

const ApiVersion = StringEnum(API_VERSIONS, { description: 'A dated API version (see `/versions`).' });

const apiKeyProps = {
    id: Type.String(),
    object: Type.Literal('api_key'),
    type: StringEnum(['secret', 'publishable', 'restricted']),
    environment: StringEnum(['live', 'test']),
    name: Nullable(Type.String()),
    redacted: Type.String({ description: 'Prefix and last four characters, for recognising the key.' }),
    scopes: Type.Array(Type.String()),
    seller_id: Nullable(Type.String()),
    api_version: Nullable(Type.String({ description: 'The API version pinned on the key: requests without a Tessera-Version header get it. Null: the current version.' })),
    created_at: Type.String({ format: 'date-time' }),
    revoked_at: Nullable(Type.String({ format: 'date-time' })),
    expires_at: Nullable(Type.String({ format: 'date-time', description: 'A rolled key keeps working until then; null: no expiry.' })),
};
const ApiKey = Type.Object(apiKeyProps, { $id: 'ApiKey' });
const CreatedApiKey = Type.Object({ ...apiKeyProps, secret: Type.String({ description: 'The key. Shown once, never again.' }) });

/** `/v1/api_keys`: create (the key is shown once), list and revoke keys of the caller's environment. */
export function developersRoutes(deps: ModuleDeps, keys: KeysService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/api_keys',
      {
        config: { auth: { scopes: ['api_keys:read'] } },
        schema: { tags: ['API keys'], summary: 'List API keys', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: ListOf(Type.Ref(ApiKey)) } },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        return keys.list(keyMode(ctx.env), request.query.starting_after, request.query.limit);
      },
    );

    app.post(
      '/v1/api_keys',
      {
        config: { auth: { scopes: ['api_keys:write'] } },
        schema: {
          tags: ['API keys'],
          summary: 'Create an API key',
          description: 'Creates a key in the environment of the calling key. The response holds the key once. Seller keys are created with POST /v1/sellers/{id}/keys.',
          body: Type.Object(
            {
              type: StringEnum(['secret', 'publishable', 'restricted']),
              scopes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
              name: Type.Optional(Type.String({ maxLength: 200 })),
              api_version: Type.Optional({ ...ApiVersion, description: 'The API version to pin on the key; default: the current version.' }),
            },
            { additionalProperties: false },
          ),
          response: { 201: CreatedApiKey },
        },
      },
      async (request, reply) => {
        const ctx = serviceContext(request, deps);
        const created = await keys.create(keyMode(ctx.env), ctx.ids, request.body);
        return reply.code(201).send(created);
      },
    );

    app.patch(
      '/v1/api_keys/:id',
      {
        config: { auth: { scopes: ['api_keys:write'] } },
        schema: {
          tags: ['API keys'],
          summary: 'Pin an API key to a version',
          description: 'Upgrades (or, while migrating, moves back) the API version requests with this key get without a Tessera-Version header. Takes effect on its next request.',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: Type.Object({ api_version: ApiVersion }, { additionalProperties: false }),
          response: { 200: Type.Ref(ApiKey) },
        },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        return keys.setVersion(keyMode(ctx.env), request.params.id, request.body.api_version);
      },
    );

    app.post(
      '/v1/api_keys/:id/roll',
      {
        config: { auth: { scopes: ['api_keys:write'] } },
        schema: {
          tags: ['API keys'],
          summary: 'Roll an API key',
          description:
            'Makes a new key with the same type, scopes, name, seller and pinned version (its `secret` is shown once) and ends the old one: at once (`expires_in_seconds` 0, the default), or after up to 7 days, so a deployment can switch keys with no gap. A key already rolled keeps its earlier expiry if that comes sooner.',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: Type.Object({ expires_in_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86_400 })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ object: Type.Literal('api_key_roll'), key: CreatedApiKey, previous: Type.Ref(ApiKey) }) },
        },
      },
      async (request, reply) => {
        const ctx = serviceContext(request, deps);
        const rolled = await keys.roll(keyMode(ctx.env), ctx.ids, request.params.id, request.body.expires_in_seconds ?? 0);
        return reply.header('cache-control', 'no-store').send(rolled);
      },
    );

    app.delete(
      '/v1/api_keys/:id',
      {
        config: { auth: { scopes: ['api_keys:write'] } },
        schema: { tags: ['API keys'], summary: 'Revoke an API key', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Ref(ApiKey) } },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        return keys.revoke(keyMode(ctx.env), request.params.id);
      },
    );
  };
}

export { ApiKey as ApiKeySchema, CreatedApiKey as CreatedApiKeySchema };
