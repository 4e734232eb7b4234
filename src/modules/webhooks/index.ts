import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { Dispatcher } from '../../platform/events/dispatcher.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryWorker } from './deliveries.worker.js';
import { EndpointsService } from './endpoints.service.js';
import { eventsRoutes } from './events.routes.js';
import { webhookFanOut } from './webhooks.fanout.js';
import { WebhookMetrics } from './webhooks.metrics.js';
import { webhooksRoutes } from './webhooks.routes.js';
import { Event, WebhookDelivery, WebhookEndpoint } from './webhooks.schemas.js';

export { DeliveryWorker } from './deliveries.worker.js';
export { RETRY_SCHEDULE_MS, AUTO_DISABLE_AFTER_MS } from './webhooks.schedule.js';

export const webhooksMigrations: MigrationSource = {
  module: 'webhooks',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/**
 * The webhooks module: endpoints and secrets, the fan-out of events into deliveries (a dispatcher
 * subscriber), the delivery worker, the delivery log, replays, and the event log API.
 */
export function createWebhooksModule(deps: ModuleDeps, dispatcher: Dispatcher, options: { random?: () => number } = {}) {
  const metrics = new WebhookMetrics(deps.metrics.registry, deps.db, deps.now);
  const endpoints = new EndpointsService({ testAllowPrivate: deps.config.webhooks.testAllowPrivate });
  const worker = new DeliveryWorker({ ...deps, ...options }, deps.config.webhooks, metrics, endpoints);
  const deliveries = new DeliveriesService(endpoints, () => worker.wake());
  dispatcher.subscribe('webhooks.fan_out', webhookFanOut(() => worker.wake()));
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    await app.register(webhooksRoutes(deps, endpoints, deliveries));
    await app.register(eventsRoutes(deps, deliveries));
  };
  return { endpoints, deliveries, worker, schemas: [WebhookEndpoint, WebhookDelivery, Event], routes };
}
