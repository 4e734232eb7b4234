import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { AppError } from '../../platform/http/errors.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { IdParam } from '../../platform/http/schemas.js';
import { LedgerErrors } from './ledger.errors.js';
import { SellerErrors } from './sellers.errors.js';
import type { LedgerService } from './ledger.service.js';
import { Chargeback, Payout, SellerBalance } from './settlements.schemas.js';
import type { SettlementsService } from './settlements.service.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

/**
 * Payouts and balances (operators, and seller keys confined to their own seller: another
 * seller's balance is a 404) and chargebacks (operators).
 */
export function payoutsRoutes(deps: ModuleDeps, ledger: LedgerService, settlements: SettlementsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/payouts',
      {
        config: { auth: { scopes: ['payouts:read'], sellers: true } },
        schema: {
          tags: ['Payouts'],
          summary: 'List payouts, newest first',
          description: "A seller key lists only its own seller's payouts (`seller_id` is ignored).",
          querystring: Type.Object({ ...ListQuery, seller_id: Type.Optional(Id), settlement_run_id: Type.Optional(Id) }, { additionalProperties: false }),
          response: { 200: ListOf(Type.Ref(Payout)) },
        },
      },
      async (request) => settlements.payouts(serviceContext(request, deps), request.query),
    );

    app.get(
      '/v1/sellers/:id/balance',
      {
        config: { auth: { scopes: ['payouts:read'], sellers: true } },
        schema: { tags: ['Payouts'], summary: "A seller's pending and available funds per currency", params: IdParam, response: { 200: Type.Ref(SellerBalance) } },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        const own = ctx.actor?.sellerId;
        if (own && own !== request.params.id) throw new AppError(SellerErrors.sellerNotFound, `No seller ${request.params.id}.`);
        return ledger.balance(ctx, request.params.id);
      },
    );

    app.get(
      '/v1/balance',
      {
        config: { auth: { scopes: ['payouts:read'], sellers: true } },
        schema: { tags: ['Payouts'], summary: "The calling seller's pending and available funds", description: 'For seller keys; operators read `/v1/sellers/:id/balance`.', response: { 200: Type.Ref(SellerBalance) } },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        if (!ctx.actor?.sellerId) throw new AppError(LedgerErrors.sellerRequired, 'This route answers for a seller key; read /v1/sellers/:id/balance instead.');
        return ledger.balance(ctx, ctx.actor.sellerId);
      },
    );

    app.post(
      '/v1/seller_orders/:id/chargebacks',
      {
        config: { auth: { scopes: ['settlements:write'] }, idempotency: 'required' },
        schema: {
          tags: ['Payouts'],
          summary: 'Record a chargeback against a seller order',
          description: 'The seller bears the disputed amount (goods first, then shipping they shipped); the platform keeps its commission. Before the release it comes out of pending funds, after it out of available funds (which may go negative). Requires `Idempotency-Key`.',
          params: IdParam,
          body: Type.Object({ amount: Type.Integer({ minimum: 1, maximum: 99_999_999_999, description: 'Minor units.' }), reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
          response: { 201: Type.Ref(Chargeback) },
        },
      },
      async (request, reply) => reply.code(201).send(await ledger.chargeback(serviceContext(request, deps), request.params.id, request.body)),
    );
  };
}
