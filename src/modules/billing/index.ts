import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MigrationSource } from '../../platform/db/migrate.js';
import type { Metering } from '../../platform/http/metering.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { billingRoutes } from './billing.routes.js';
import { invoicesRoutes } from './invoices.routes.js';
import { invoiceSchemas } from './invoices.schemas.js';
import { InvoicesService } from './invoices.service.js';
import { PartnerPlanSchema, PlanSchema } from './plans.schemas.js';
import { PlansService, type PartnersPort } from './plans.service.js';
import { RequestLogs, RequestLogSchema } from './request-logs.js';
import { UsageService } from './usage.service.js';
import { UsageSchema } from './usage.schemas.js';

export { METERS, type MeterName, type Plan, type PlanMeters } from './plans.schemas.js';
export { periodOf } from './invoices.periods.js';
export type { PartnersPort } from './plans.service.js';

export const billingMigrations: MigrationSource = {
  module: 'billing',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/** What billing needs of other modules (filled in composition.ts). */
export interface BillingPorts {
  partners: PartnersPort;
}

/**
 * Billing: plans, usage metering of partner calls (the platform's `Metering`, installed by the
 * app), the request log. Its tables live in the live schema, like partners.
 */
export function createBillingModule(deps: ModuleDeps, ports: BillingPorts) {
  const home = deps.db.forEnv('live');
  const plans = new PlansService(home, ports.partners, deps.now);
  const usage = new UsageService(home, plans, deps.ids, deps.now);
  const requestLogs = new RequestLogs(home, deps.logger);
  const invoices = new InvoicesService(deps.db, plans, deps.ids, deps.now);
  const metering: Metering = { meter: (call) => usage.meter(call), log: (entry) => requestLogs.record(entry) };
  const routes: FastifyPluginAsyncTypebox = async (app) => {
    app.addHook('onClose', () => requestLogs.flush());
    await app.register(billingRoutes(deps, plans, usage, requestLogs));
    await app.register(invoicesRoutes(deps, invoices));
  };
  return { plans, usage, requestLogs, invoices, metering, schemas: [PlanSchema, PartnerPlanSchema, UsageSchema, RequestLogSchema, ...invoiceSchemas], routes };
}
