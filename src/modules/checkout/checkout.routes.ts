import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { privateNoStore } from '../../platform/http/caching.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import type { CheckoutService } from './checkout.service.js';

const tags = ['Checkout'];
const Problem = { $ref: 'Problem#' } as const;

export const CheckoutBody = Type.Object(
  {
    payment: Type.Object(
      {
        token: Type.String({
          minLength: 1,
          maxLength: 200,
          description:
            'A payment token. In test mode: `tok_visa` approves; `tok_decline` (card_declined) and `tok_insufficient_funds` are hard declines; `tok_processor_down` makes the first processor answer 503 (checkout fails over); `tok_timeout_after_auth` makes the first processor authorise and then time out (checkout finds the authorisation by lookup, never charges twice); `tok_slow` answers after 2 s.',
        }),
      },
      { additionalProperties: false },
    ),
    expected_total: Type.Optional(Type.Integer({ minimum: 0, description: 'The total the shopper saw; checkout refuses (409 `total_changed`) to charge anything else.' })),
  },
  { additionalProperties: false },
);

/** `POST /v1/carts/:id/checkout`. */
export function checkoutRoutes(deps: ModuleDeps, checkout: CheckoutService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', privateNoStore);
    app.post(
      '/v1/carts/:id/checkout',
      {
        config: { auth: { scopes: ['checkout:write'] }, idempotency: 'required', meter: 'checkout_calls' },
        schema: {
          tags,
          summary: 'Check out a cart',
          description:
            'Reserves stock, re-evaluates promotions, authorises the payment (failing over between processors only when the first surely did not authorise), then creates the order, commits the stock reservation as the order’s allocation (stock leaves on hand when it ships) and redeems the codes in one transaction. ' +
            'Any failure undoes what was done: no stock stays reserved and no payment stays authorised. `Idempotency-Key` is required; a double submit, with or without the same key, gives one order and one charge. ' +
            'Problems: 402 `payment_declined` (with `decline_code` in `errors`), 409 `out_of_stock`, `cart_already_completed`, `checkout_in_progress`, `promotion_unavailable`, `cart_changed`, `total_changed`; 503 `payment_processor_unavailable`.',
          params: IdParam,
          body: CheckoutBody,
          response: { 201: Type.Ref('Order'), 402: Problem, 410: Problem, 502: Problem, 503: Problem },
        },
      },
      async (request, reply) => reply.code(201).send(await checkout.checkout(serviceContext(request, deps), request.params.id, request.body)),
    );
  };
}
