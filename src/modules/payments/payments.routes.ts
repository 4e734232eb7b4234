import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { IdParam, StringEnum } from '../../platform/http/schemas.js';
import { TEST_TOKENS } from './emulator/index.js';
import { Payment, ReconciliationRun, Refund } from './payments.schemas.js';
import type { PaymentsService } from './payments.service.js';
import { PAYMENT_STATUSES } from './payments.status.js';
import type { ReconciliationService } from './reconciliation.service.js';

const READ = { auth: { scopes: ['payments:read'] } } as const;
const WRITE = { auth: { scopes: ['payments:write'] } } as const;
/** Capture and cancel move money: a retry must never act twice, so the Idempotency-Key is required. */
const MONEY = { ...WRITE, idempotency: 'required' } as const;

const Id = Type.String({ minLength: 1, maxLength: 64 });

const TOKENS_DOC =
  'Test mode pays through two emulated processors, `simpay` and `altpay` (real HTTP services). Test card tokens:\n\n' +
  Object.entries(TEST_TOKENS)
    .map(([token, outcome]) => `- \`${token}\`: ${outcome}`)
    .join('\n') +
  '\n- any other token: hard decline, decline_code `invalid_token`\n\n' +
  'Each attempt is sent with the reference `<payment id>_<n>`; "attempt 1" is the one ending in `_1`, so failover to the next processor succeeds. ' +
  'Failover happens only when a processor surely did not authorise (connection refused, 503, open circuit); a timeout is settled by looking the reference up, never by charging elsewhere.';

/** `/v1/payments`, `/v1/refunds` and `/v1/reconciliation/runs`. Payments are created by checkout. */
export function paymentsRoutes(deps: ModuleDeps, payments: PaymentsService, reconciliation: ReconciliationService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['Payments'];
    app.get(
      '/v1/payments/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a payment with its attempts', description: TOKENS_DOC, params: IdParam, response: { 200: Type.Ref(Payment) } } },
      async (request) => payments.get(serviceContext(request, deps), request.params.id),
    );

    app.get(
      '/v1/payments',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List payments, newest first',
          querystring: Type.Object(
            { ...ListQuery, cart_id: Type.Optional(Id), order_id: Type.Optional(Id), status: Type.Optional(StringEnum(PAYMENT_STATUSES)) },
            { additionalProperties: false },
          ),
          response: { 200: ListOf(Type.Ref(Payment)) },
        },
      },
      async (request) => payments.list(serviceContext(request, deps), request.query),
    );

    app.post(
      '/v1/payments/:id/capture',
      {
        config: MONEY,
        schema: {
          tags,
          summary: 'Capture a payment (manual capture)',
          description: 'Captures a `requires_capture` payment: all of it, or `amount` of it (the rest of the authorization is released). Requires `Idempotency-Key`.',
          params: IdParam,
          body: Type.Object({ amount: Type.Optional(Type.Integer({ minimum: 1, description: 'Minor units; default: everything capturable.' })) }, { additionalProperties: false }),
          response: { 200: Type.Ref(Payment) },
        },
      },
      async (request) => payments.capture(serviceContext(request, deps), request.params.id, request.body.amount),
    );

    app.post(
      '/v1/payments/:id/cancel',
      {
        config: MONEY,
        schema: {
          tags,
          summary: 'Cancel a payment (void its authorization)',
          description: 'Voids an uncaptured authorization (`requires_capture`) or closes a `requires_payment_method` payment. Canceling a canceled payment returns it unchanged.',
          params: IdParam,
          response: { 200: Type.Ref(Payment) },
        },
      },
      async (request) => payments.void(serviceContext(request, deps), request.params.id),
    );

    app.get(
      '/v1/payments/:id/refunds',
      { config: READ, schema: { tags, summary: "List a payment's refunds", params: IdParam, response: { 200: ListOf(Type.Ref(Refund)) } } },
      async (request) => {
        const ctx = serviceContext(request, deps);
        await payments.get(ctx, request.params.id); // 404 for an unknown payment
        const data = await payments.refunds.listForPayment(ctx, request.params.id);
        return { object: 'list' as const, data, has_more: false, next_cursor: null };
      },
    );

    app.get(
      '/v1/refunds/:id',
      { config: READ, schema: { tags: ['Refunds'], summary: 'Retrieve a refund', description: 'Refunds are created through orders (`POST /v1/orders/:id/refunds`).', params: IdParam, response: { 200: Type.Ref(Refund) } } },
      async (request) => payments.refunds.get(serviceContext(request, deps), request.params.id),
    );

    app.post(
      '/v1/reconciliation/runs',
      {
        config: WRITE,
        schema: {
          tags: ['Reconciliation'],
          summary: 'Reconcile payments with the processors now',
          description: 'Compares our payments (captured amounts and confirmed refunds) with each processor\'s settlement report and returns the findings: `missing`, `extra` and `amount_mismatch`. A scheduled job runs the same comparison.',
          response: { 201: Type.Ref(ReconciliationRun) },
        },
      },
      async (request, reply) => reply.code(201).send(await reconciliation.run(serviceContext(request, deps), 'api')),
    );

    app.get(
      '/v1/reconciliation/runs/:id',
      { config: READ, schema: { tags: ['Reconciliation'], summary: 'Retrieve a reconciliation run with its findings', params: IdParam, response: { 200: Type.Ref(ReconciliationRun) } } },
      async (request) => reconciliation.get(serviceContext(request, deps), request.params.id),
    );
  };
}
