import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { ModuleDeps } from '../../platform/http/module.js';
import { serviceContext } from '../../platform/http/module.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { RateLimiter } from '../../platform/http/ratelimit.js';
import { Nullable, StringEnum } from '../../platform/http/schemas.js';
import { AppError } from '../../platform/http/errors.js';
import { PartnerErrors } from './partners.errors.js';
import { operatorOnly, type PartnersService } from './partners.service.js';

const Scopes = Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50 });

const OAuthClient = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('oauth_client'),
    partner_id: Type.String(),
    environment: StringEnum(['live', 'test']),
    scopes: Type.Array(Type.String()),
    seller_id: Nullable(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    revoked_at: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'OAuthClient' },
);

const Partner = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('partner'),
    name: Type.String(),
    email: Type.String(),
    kind: StringEnum(['seller', 'integrator']),
    status: StringEnum(['pending', 'approved']),
    requested_scopes: Type.Array(Type.String()),
    granted_scopes: Nullable(Type.Array(Type.String())),
    test_seller_id: Nullable(Type.String()),
    live_seller_id: Nullable(Type.String()),
    clients: Type.Array(Type.Ref(OAuthClient)),
    created_at: Type.String({ format: 'date-time' }),
    approved_at: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'Partner' },
);

const WithCredentials = Type.Object({
  partner: Type.Ref(Partner),
  credentials: Type.Object({
    client_id: Type.String(),
    client_secret: Type.String({ description: 'Shown once, never again. Exchange it at POST /oauth/token.' }),
    environment: StringEnum(['live', 'test']),
    scopes: Type.Array(Type.String()),
    seller_id: Nullable(Type.String()),
  }),
});

const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

/**
 * Partners: public signup (rate limited per IP, test credentials at once), operator approval
 * (live credentials), the partner's own view, and client secret rotation and revocation.
 */
export function partnersRoutes(deps: ModuleDeps, partners: PartnersService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { quota, windowSeconds } = deps.config.oauth.signupRateLimit;
    const signupLimiter = await RateLimiter.create(quota, windowSeconds, deps.config.redisUrl, 'tessera:rl:signup');
    app.addHook('onClose', () => signupLimiter.close());
    const limitSignups = async (request: FastifyRequest, reply: { headers(h: Record<string, string>): unknown }) => {
      const decision = await signupLimiter.consume(`ip:${request.ip}`);
      reply.headers(decision.headers);
      if (!decision.allowed) throw RateLimiter.refusal(decision);
    };

    app.post(
      '/v1/partners',
      {
        config: { auth: { public: true } },
        onRequest: limitSignups,
        schema: {
          tags: ['Partners'],
          summary: 'Sign up as a partner',
          security: [],
          description: `Public. Returns test-mode OAuth client credentials at once (the secret is shown once); a seller partner also gets a pending sandbox seller. Live credentials follow the operator's approval. Limited to ${quota} signups per ${windowSeconds} s per IP address.`,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              email: Type.String({ format: 'email', maxLength: 320 }),
              kind: StringEnum(['seller', 'integrator']),
              scopes: Scopes,
            },
            { additionalProperties: false },
          ),
          response: { 201: WithCredentials },
        },
      },
      async (request, reply) => {
        const created = await partners.signup(deps.ids, request.id, request.body);
        return reply.code(201).header('cache-control', 'no-store').send(created);
      },
    );

    app.get(
      '/v1/partners',
      {
        config: { auth: { scopes: ['partners:read'] } },
        schema: { tags: ['Partners'], summary: 'List partners (operators, live mode)', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: ListOf(Type.Ref(Partner)) } },
      },
      async (request) => {
        operatorOnly(serviceContext(request, deps).actor!, 'partners:read');
        return partners.list(request.query.starting_after, request.query.limit);
      },
    );

    app.get(
      '/v1/partners/:id',
      { config: { auth: { scopes: ['partners:read'] } }, schema: { tags: ['Partners'], summary: 'Retrieve a partner (operators, live mode)', params: Id, response: { 200: Type.Ref(Partner) } } },
      async (request) => {
        operatorOnly(serviceContext(request, deps).actor!, 'partners:read');
        return partners.get(request.params.id);
      },
    );

    app.post(
      '/v1/partners/:id/approve',
      {
        config: { auth: { scopes: ['partners:write'] } },
        schema: {
          tags: ['Partners'],
          summary: 'Approve a partner (operators, live mode)',
          description: 'Grants scopes (each covered by a requested scope, else 422) and issues live-mode client credentials, shown once. A seller partner also gets a pending live seller.',
          params: Id,
          body: Type.Object({ scopes: Scopes }, { additionalProperties: false }),
          response: { 200: WithCredentials },
        },
      },
      async (request, reply) => {
        const ctx = serviceContext(request, deps);
        operatorOnly(ctx.actor!, 'partners:write');
        return reply.header('cache-control', 'no-store').send(await partners.approve(ctx, request.params.id, request.body.scopes));
      },
    );

    app.get(
      '/v1/partner',
      { config: { auth: { scopes: [], sellers: true } }, schema: { tags: ['Partners'], summary: 'The calling partner', description: 'For a partner access token: the partner it was issued to.', response: { 200: Type.Ref(Partner) } } },
      async (request) => {
        const partnerId = serviceContext(request, deps).actor?.partnerId;
        if (!partnerId) throw new AppError(PartnerErrors.notAPartner, 'Only a partner access token (POST /oauth/token) reads /v1/partner.');
        return partners.get(partnerId);
      },
    );

    app.post(
      '/v1/oauth_clients',
      {
        config: { auth: { scopes: [], sellers: true } },
        schema: {
          tags: ['Partners'],
          summary: 'Create an OAuth client',
          description:
            "By a partner (any of its access tokens): another client for the partner, in test mode or (once approved) live mode, with scopes no wider than the partner's (requested in test, granted in live; default: all of them). A seller partner's client acts for its seller. The secret is shown once. At most 10 active clients per mode.",
          body: Type.Object({ environment: Type.Optional(StringEnum(['live', 'test'])), scopes: Type.Optional(Scopes) }, { additionalProperties: false }),
          response: { 201: Type.Object({ client: Type.Ref(OAuthClient), client_secret: Type.String({ description: 'Shown once, never again.' }) }) },
        },
      },
      async (request, reply) => {
        const ctx = serviceContext(request, deps);
        return reply.code(201).header('cache-control', 'no-store').send(await partners.createClient(ctx.actor!, ctx.ids, request.body));
      },
    );

    app.post(
      '/v1/oauth_clients/:id/rotate_secret',
      {
        config: { auth: { scopes: [], sellers: true } },
        schema: {
          tags: ['Partners'],
          summary: 'Rotate a client secret',
          description: 'By the partner itself (any of its access tokens) or an operator (live, partners:write). The new secret is shown once; the previous ones keep working for expires_in_seconds (default 86400; 0 stops them at once).',
          params: Id,
          body: Type.Object({ expires_in_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400 })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ client: Type.Ref(OAuthClient), client_secret: Type.String(), previous_secret_expires_at: Type.String({ format: 'date-time' }) }) },
        },
      },
      async (request, reply) => {
        const ctx = serviceContext(request, deps);
        const rotated = await partners.rotateSecret(ctx.actor!, request.params.id, request.body.expires_in_seconds ?? 86_400);
        return reply.header('cache-control', 'no-store').send(rotated);
      },
    );

    app.post(
      '/v1/oauth_clients/:id/revoke',
      {
        config: { auth: { scopes: [], sellers: true } },
        schema: { tags: ['Partners'], summary: 'Revoke a client', description: 'Its secrets and every access token already issued to it stop working at once.', params: Id, response: { 200: Type.Ref(OAuthClient) } },
      },
      async (request) => partners.revoke(serviceContext(request, deps).actor!, request.params.id),
    );

    app.post(
      '/v1/test_helpers/reset',
      {
        config: { auth: { scopes: [], sellers: true } },
        schema: {
          tags: ['Partners'],
          summary: "Reset the partner's sandbox (test mode)",
          description:
            "Wipes the calling partner's test data: its sandbox starts again as at signup (the demo store, and a seller partner's pending test seller under the same id). Products, carts, orders, payments, shipments, webhook endpoints and events made in test mode are gone; OAuth clients, secrets, live data, usage and the request log stay. Other partners' sandboxes are never touched. Requests already running finish in the old sandbox. Only a partner's test-mode access token may call it (403 `partner_sandbox_required` otherwise).",
          response: {
            200: Type.Object(
              {
                object: Type.Literal('sandbox_reset'),
                partner_id: Type.String(),
                environment: Type.Literal('test'),
                seller_id: Nullable(Type.String()),
                reset_at: Type.String({ format: 'date-time' }),
              },
              { $id: 'SandboxReset' },
            ),
          },
        },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        return partners.resetSandbox(ctx.actor!, ctx.ids, ctx.requestId);
      },
    );
  };
}

export const partnerSchemas = [OAuthClient, Partner];
