import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { privateNoStore } from '../../platform/http/caching.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { DeletedOf, IdParam } from '../../platform/http/schemas.js';
import type { DeliveriesService } from './deliveries.service.js';
import type { EndpointsService } from './endpoints.service.js';
import { CreateEndpointBody, DeliveriesQuery, ReplayBody, RotateSecretBody, UpdateEndpointBody, WebhookDelivery, WebhookEndpoint } from './webhooks.schemas.js';

// Seller keys manage their own endpoints only: the services confine every read and write to the
// caller's seller (another seller's endpoint answers 404), and its fan-out to its own events.
const READ = { auth: { scopes: ['webhooks:read'], sellers: true } } as const;
const WRITE = { auth: { scopes: ['webhooks:write'], sellers: true } } as const;
const tags = ['Webhooks'];

/** Routes for webhook endpoints, their secrets, the delivery log and replays: operators see all, a seller key its own. */
export function webhooksRoutes(deps: ModuleDeps, endpoints: EndpointsService, deliveries: DeliveriesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', privateNoStore);

    app.post(
      '/v1/webhook_endpoints',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a webhook endpoint',
          description:
            'Deliveries follow Standard Webhooks v1: headers `webhook-id` (the event id, stable across retries and replays: dedupe on it), `webhook-timestamp` and `webhook-signature`; body `{ type, timestamp, data }`. ' +
            'The answer carries the signing `secret` (`whsec_…`), shown only here and on rotation. Only a 2xx counts as delivered; retries follow 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with jitter; a 410 disables the endpoint.',
          body: CreateEndpointBody,
          response: { 201: Type.Ref(WebhookEndpoint) },
        },
      },
      async (request, reply) => reply.code(201).send(await endpoints.create(serviceContext(request, deps), request.body)),
    );
    app.get(
      '/v1/webhook_endpoints',
      { config: READ, schema: { tags, summary: 'List webhook endpoints', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: ListOf(Type.Ref(WebhookEndpoint)) } } },
      async (request) => endpoints.list(serviceContext(request, deps), request.query),
    );
    app.get(
      '/v1/webhook_endpoints/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a webhook endpoint', params: IdParam, response: { 200: Type.Ref(WebhookEndpoint) } } },
      async (request) => endpoints.get(serviceContext(request, deps), request.params.id),
    );
    app.patch(
      '/v1/webhook_endpoints/:id',
      {
        config: WRITE,
        schema: { tags, summary: 'Update a webhook endpoint', description: 'Setting `status: enabled` re-enables a disabled endpoint and clears its failure history.', params: IdParam, body: UpdateEndpointBody, response: { 200: Type.Ref(WebhookEndpoint) } },
      },
      async (request) => endpoints.update(serviceContext(request, deps), request.params.id, request.body),
    );
    app.delete(
      '/v1/webhook_endpoints/:id',
      { config: WRITE, schema: { tags, summary: 'Delete a webhook endpoint', description: 'Its pending deliveries are dropped.', params: IdParam, response: { 200: DeletedOf('webhook_endpoint') } } },
      async (request) => endpoints.delete(serviceContext(request, deps), request.params.id),
    );
    app.post(
      '/v1/webhook_endpoints/:id/rotate_secret',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Rotate the signing secret',
          description: 'Returns the new secret once. Until `expires_in_seconds` pass, deliveries carry two signatures (old and new secret), so a receiver can switch with no gap.',
          params: IdParam,
          body: RotateSecretBody,
          response: { 200: Type.Ref(WebhookEndpoint) },
        },
      },
      async (request) => endpoints.rotateSecret(serviceContext(request, deps), request.params.id, request.body.expires_in_seconds ?? 24 * 3600),
    );
    app.post(
      '/v1/webhook_endpoints/:id/test',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Send a test event',
          description:
            'Delivers a `webhook_endpoint.test` event (its data: this endpoint, without the secret) to this endpoint only, now, signed and retried like any event and listed in the delivery log. No other endpoint receives it.',
          params: IdParam,
          response: { 202: Type.Ref(WebhookDelivery) },
        },
      },
      async (request, reply) => reply.code(202).send(await deliveries.sendTest(serviceContext(request, deps), request.params.id)),
    );
    app.get(
      '/v1/webhook_endpoints/:id/deliveries',
      {
        config: READ,
        schema: { tags, summary: 'The delivery log', description: 'Newest first: status, attempts with their answers and latencies, and the next attempt.', params: IdParam, querystring: DeliveriesQuery, response: { 200: ListOf(Type.Ref(WebhookDelivery)) } },
      },
      async (request) => deliveries.list(serviceContext(request, deps), request.params.id, request.query),
    );
    app.post(
      '/v1/webhook_endpoints/:id/replay',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Replay failed deliveries',
          description: 'Sends again every event whose latest delivery to this endpoint since `since` failed, with the same event ids. Events are kept 30 days.',
          params: IdParam,
          body: ReplayBody,
          response: { 202: Type.Object({ object: Type.Literal('webhook_replay'), endpoint_id: Type.String(), since: Type.String(), deliveries: Type.Integer() }) },
        },
      },
      async (request, reply) => reply.code(202).send(await deliveries.replayFailed(serviceContext(request, deps), request.params.id, new Date(request.body.since))),
    );
  };
}
