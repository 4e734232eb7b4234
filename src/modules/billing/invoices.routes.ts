import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { IdParam } from '../../platform/http/schemas.js';
import { FinalizationSchema, InvoiceSchema, UpcomingInvoiceSchema } from './invoices.schemas.js';
import type { InvoicesService } from './invoices.service.js';
import { operatorOnly } from './plans.service.js';

const tags = ['Billing'];
/** A partner reads its own invoices with any of its tokens (sellers' included); operators need a live key with billing:read. */
const READ = { auth: { scopes: [], sellers: true } } as const;
const PartnerFilter = Type.Optional(Type.String({ maxLength: 64, description: "Operators: one partner's invoices. Ignored for partners, who see only their own." }));

/**
 * `/v1/invoices`: finalized invoices per partner and period, the current period's draft
 * (`/v1/invoices/upcoming`), and the operators' finalization run.
 */
export function invoicesRoutes(deps: ModuleDeps, invoices: InvoicesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/invoices',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List invoices, newest period first',
          description:
            "Finalized invoices only; the current period's draft is `GET /v1/invoices/upcoming`. A partner access token sees its own partner's invoices; " +
            'operators (a live-mode key with `billing:read`) see every partner\'s, or one\'s with `partner_id`.',
          querystring: Type.Object({ ...ListQuery, partner_id: PartnerFilter }, { additionalProperties: false }),
          response: { 200: ListOf(Type.Ref(InvoiceSchema)) },
        },
      },
      async (request) => invoices.list(serviceContext(request, deps).actor!, request.query),
    );

    app.get(
      '/v1/invoices/upcoming',
      {
        config: READ,
        schema: {
          tags,
          summary: "The current period's draft invoice",
          description:
            'Computed on each call from the live usage of the current period (a UTC month) so far and the partner\'s plan; never stored (`status: "draft"`, no id). ' +
            'It becomes a finalized invoice after the period ends. Operators name the partner with `partner_id`.',
          querystring: Type.Object({ partner_id: PartnerFilter }, { additionalProperties: false }),
          response: { 200: Type.Ref(UpcomingInvoiceSchema) },
        },
      },
      async (request) => invoices.upcoming(serviceContext(request, deps).actor!, request.query.partner_id),
    );

    app.get(
      '/v1/invoices/:id',
      {
        config: READ,
        schema: {
          tags,
          summary: 'Retrieve an invoice with its lines per meter and tier',
          description: "Amounts in minor units of the invoice's currency. Another partner's invoice is 404.",
          params: IdParam,
          response: { 200: Type.Ref(InvoiceSchema) },
        },
      },
      async (request) => invoices.get(serviceContext(request, deps).actor!, request.params.id),
    );

    app.post(
      '/v1/invoices/finalize',
      {
        config: { auth: { scopes: ['billing:write'] } },
        schema: {
          tags,
          summary: 'Finalize closed periods now (operators)',
          description:
            'What the hourly `billing.finalize_invoices` job does: for every partner with live-mode usage in a period that has ended (a few minutes of grace after midnight UTC), ' +
            'writes its invoice once and emits `invoice.finalized`. Idempotent: a second or concurrent run creates nothing. `period` (YYYY-MM) limits it to one closed period. Test-mode usage is never billed.',
          body: Type.Object({ period: Type.Optional(Type.String({ maxLength: 7, description: 'A closed UTC month, YYYY-MM; default: every closed month not yet finalized.' })) }, { additionalProperties: false }),
          response: { 200: Type.Ref(FinalizationSchema) },
        },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        operatorOnly(ctx.actor, 'billing:write');
        return invoices.finalize(ctx, request.body.period);
      },
    );
  };
}
