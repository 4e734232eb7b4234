import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ModuleDeps } from '../../platform/http/module.js';
import { serviceContext } from '../../platform/http/module.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { IdParam } from '../../platform/http/schemas.js';
import { operatorOnly, type PlansService } from './plans.service.js';
import { CreatePlanBody, PartnerPlanSchema, PlanSchema } from './plans.schemas.js';
import { RequestLogQuery, RequestLogSchema, type RequestLogs } from './request-logs.js';
import type { UsageService } from './usage.service.js';
import { UsageQuery, UsageSchema } from './usage.schemas.js';

const tags = ['Billing'];

/** Plans and their assignment (operators), usage of the current period and the request log (partners and operators). */
export function billingRoutes(deps: ModuleDeps, plans: PlansService, usage: UsageService, logs: RequestLogs): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/plans',
      {
        config: { auth: { scopes: ['billing:write'] } },
        schema: {
          tags,
          summary: 'Create a plan (operators, live mode)',
          description: 'Per meter: a free quota, graduated tiers (bounds count the period\'s total usage, the free quota included), a hard cap and a soft threshold (live mode only). Plans are immutable: a price change is a new plan.',
          body: CreatePlanBody,
          response: { 201: Type.Ref(PlanSchema) },
        },
      },
      async (request, reply) => {
        const ctx = serviceContext(request, deps);
        operatorOnly(ctx.actor, 'billing:write');
        return reply.code(201).send(await plans.create(ctx.ids, request.body));
      },
    );

    app.get(
      '/v1/plans',
      { config: { auth: { scopes: ['billing:read'] } }, schema: { tags, summary: 'List plans (operators, live mode)', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: ListOf(Type.Ref(PlanSchema)) } } },
      async (request) => {
        operatorOnly(serviceContext(request, deps).actor, 'billing:read');
        return plans.list(request.query.starting_after, request.query.limit);
      },
    );

    app.get(
      '/v1/plans/:id',
      { config: { auth: { scopes: ['billing:read'] } }, schema: { tags, summary: 'Retrieve a plan (operators, live mode)', params: IdParam, response: { 200: Type.Ref(PlanSchema) } } },
      async (request) => {
        operatorOnly(serviceContext(request, deps).actor, 'billing:read');
        return plans.get(request.params.id);
      },
    );

    app.put(
      '/v1/partners/:id/plan',
      {
        config: { auth: { scopes: ['billing:write'] } },
        schema: {
          tags,
          summary: "Assign a partner's plan (operators, live mode)",
          description: 'Applies at once, to the current period too. Partners without a plan are on `plan_default`.',
          params: IdParam,
          body: Type.Object({ plan_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
          response: { 200: Type.Ref(PartnerPlanSchema) },
        },
      },
      async (request) => {
        operatorOnly(serviceContext(request, deps).actor, 'billing:write');
        return plans.assign(request.params.id, request.body.plan_id);
      },
    );

    app.get(
      '/v1/usage',
      {
        config: { auth: { scopes: [], sellers: true } },
        schema: {
          tags,
          summary: 'Usage of the current period, per meter',
          description: "A partner access token: the partner's own usage in its environment. Operators (a live-mode key with `billing:read`): every partner's, or one's with `partner_id`. Test-mode usage is metered and shown, never capped nor billed.",
          querystring: UsageQuery,
          response: { 200: ListOf(Type.Ref(UsageSchema)) },
        },
      },
      async (request, reply) => {
        void reply.header('cache-control', 'no-store');
        return usage.current(serviceContext(request, deps).actor!, request.query);
      },
    );

    app.get(
      '/v1/request_logs',
      {
        config: { auth: { scopes: [], sellers: true } },
        schema: {
          tags,
          summary: 'The request log',
          description: "A partner access token: the partner's own last 1,000 requests in its environment, newest first. Operators (a live-mode key with `billing:read`): every partner's, or one's with `partner_id`. Written just after each response, so the newest request may take a moment to appear.",
          querystring: RequestLogQuery,
          response: { 200: ListOf(Type.Ref(RequestLogSchema)) },
        },
      },
      async (request, reply) => {
        void reply.header('cache-control', 'no-store');
        return logs.list(serviceContext(request, deps).actor!, request.query);
      },
    );
  };
}
