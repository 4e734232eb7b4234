import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { IdParam } from '../../platform/http/schemas.js';
import { payoutsCsv } from './settlements.csv.js';
import { Reconciliation, SettlementRun, SettlementRunSummary } from './settlements.schemas.js';
import type { SettlementsService } from './settlements.service.js';

const READ = { auth: { scopes: ['settlements:read'] } } as const;
const WRITE = { auth: { scopes: ['settlements:write'] } } as const;

/** Whether the request asks for CSV (`Accept: text/csv`) rather than JSON. */
function wantsCsv(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.trim().toLowerCase().startsWith('text/csv'));
}

/** `/v1/settlements`: settlement runs (operators only), their payouts as JSON or CSV, and reconciliation. */
export function settlementsRoutes(deps: ModuleDeps, settlements: SettlementsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['Settlements'];
    app.post(
      '/v1/settlements/runs',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Run the settlement of a period',
          description:
            "Releases the funds of seller orders delivered at least the hold period (`TESSERA_SETTLEMENT_HOLD_DAYS`) before the period's end (and before now) from pending to available, " +
            'then pays every active seller their available balance per currency (`payout.created` events), and reconciles. One run per period: ' +
            'running a period again returns its run (200) and pays nothing twice. A scheduled job runs today\'s period daily.',
          body: Type.Optional(Type.Object({ period: Type.Optional(Type.String({ format: 'date', description: 'A UTC date, YYYY-MM-DD; default today.' })) }, { additionalProperties: false })),
          response: { 200: Type.Ref(SettlementRun), 201: Type.Ref(SettlementRun) },
        },
      },
      async (request, reply) => {
        const { run, created } = await settlements.run(serviceContext(request, deps), { period: request.body?.period, trigger: 'api' });
        return reply.code(created ? 201 : 200).send(run);
      },
    );

    app.get(
      '/v1/settlements',
      { config: READ, schema: { tags, summary: 'List settlement runs, newest first', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: ListOf(Type.Ref(SettlementRunSummary)) } } },
      async (request) => settlements.list(serviceContext(request, deps), request.query),
    );

    app.get(
      '/v1/settlements/:id',
      {
        config: READ,
        schema: {
          tags,
          summary: 'Retrieve a settlement run with its payouts',
          description:
            'With `Accept: text/csv`, the payouts as CSV (RFC 4180, CRLF): payout_id, seller_id, seller_name, currency, amount_minor, amount (formatted), entries_count, status.',
          params: IdParam,
          response: {
            200: {
              description: 'The settlement run; with `Accept: text/csv`, its payouts as CSV.',
              content: {
                'application/json': { schema: Type.Ref(SettlementRun) },
                'text/csv': { schema: Type.String({ description: 'The payouts as CSV, for `Accept: text/csv`.' }) },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const run = await settlements.get(serviceContext(request, deps), request.params.id);
        if (!wantsCsv(request.headers.accept)) return run;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="settlement-${run.period}.csv"`)
          .send(payoutsCsv(run));
      },
    );

    app.post(
      '/v1/settlements/reconciliation',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Reconcile the seller ledger now',
          description:
            'Compares, per seller and currency, pending + available + paid out (from the ledger and payouts) with sales − commissions − refunds − chargebacks (from the seller orders), ' +
            'and checks that every posting, every payout and the whole ledger balance. Returns the differences; none when all agree. Every settlement run does the same.',
          response: { 200: Type.Ref(Reconciliation) },
        },
      },
      async (request) => settlements.reconcile(serviceContext(request, deps)),
    );
  };
}
