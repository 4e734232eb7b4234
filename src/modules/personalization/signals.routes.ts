import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { MAX_SIGNALS_PER_BATCH, SignalBatch, SignalBatchResult } from './signals.schemas.js';
import type { SignalsService } from './signals.service.js';

/** `POST /v1/signals`: what shoppers view, add to carts and buy (publishable keys may send them). */
export function signalsRoutes(deps: ModuleDeps, signals: SignalsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/signals',
      {
        config: { auth: { scopes: ['signals:write'] } },
        schema: {
          tags: ['Personalization'],
          summary: 'Record a batch of shopper signals',
          description:
            `Up to ${MAX_SIGNALS_PER_BATCH} views, add-to-carts and purchases, each naming a product and a customer_id or anonymous_id. ` +
            'Idempotent on each signal\'s `id`: one already stored is counted in `duplicates` and left as it was. ' +
            'The whole batch is refused (422, nothing stored) when any signal is invalid. Orders record their purchases themselves (`order.created`). ' +
            'Recommendation models are built from these signals (`POST /v1/recommendation_models/refresh`).',
          body: SignalBatch,
          response: { 200: Type.Ref(SignalBatchResult) },
        },
      },
      async (request) => signals.record(serviceContext(request, deps), request.body.signals),
    );
  };
}
