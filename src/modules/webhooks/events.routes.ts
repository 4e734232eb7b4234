import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { privateNoStore } from '../../platform/http/caching.js';
import { ListOf } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import { presentEvent, type DeliveriesService } from './deliveries.service.js';
import { Event, EventsQuery, RedeliverBody, WebhookDelivery } from './webhooks.schemas.js';

const tags = ['Events'];

/** The event log (kept 30 days by default) and redelivery. */
export function eventsRoutes(deps: ModuleDeps, deliveries: DeliveriesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', privateNoStore);
    app.get(
      '/v1/events',
      {
        config: { auth: { scopes: ['events:read'] } },
        schema: { tags, summary: 'List events', description: 'Newest first. Filter by `type` (exact or `prefix.*`, repeatable) and creation time.', querystring: EventsQuery, response: { 200: ListOf(Type.Ref(Event)) } },
      },
      async (request) => deliveries.listEvents(serviceContext(request, deps), request.query),
    );
    app.get(
      '/v1/events/:id',
      { config: { auth: { scopes: ['events:read'] } }, schema: { tags, summary: 'Retrieve an event', params: IdParam, response: { 200: Type.Ref(Event) } } },
      async (request) => presentEvent(await deliveries.getEvent(serviceContext(request, deps), request.params.id)),
    );
    app.post(
      '/v1/events/:id/redeliver',
      {
        config: { auth: { scopes: ['webhooks:write'] } },
        schema: {
          tags,
          summary: 'Deliver an event again',
          description: 'To one endpoint (`endpoint_id`) or to every enabled endpoint its type is enabled for. The event id, and so `webhook-id`, stays the same.',
          params: IdParam,
          body: RedeliverBody,
          response: { 202: Type.Object({ object: Type.Literal('list'), data: Type.Array(Type.Ref(WebhookDelivery)) }) },
        },
      },
      async (request, reply) => reply.code(202).send({ object: 'list' as const, data: await deliveries.redeliver(serviceContext(request, deps), request.params.id, request.body.endpoint_id) }),
    );
  };
}
