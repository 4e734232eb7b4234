import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../platform/db/database.js';
import type { MigrationSource } from '../../platform/db/migrate.js';
import { jobContext, type ModuleDeps } from '../../platform/http/module.js';
import { ProcessorBreakers } from './breakers.js';
import type { PaymentsRuntime } from './payments.runtime.js';
import { recoverPayments, type RecoveryResult } from './payments.recovery.js';
import { paymentsRoutes } from './payments.routes.js';
import { PAYMENT_SCHEMAS } from './payments.schemas.js';
import { PaymentsService } from './payments.service.js';
import type { ProcessorDirectory } from './processors.js';
import { ReconciliationService } from './reconciliation.service.js';
import { PaymentRouter } from './router.js';

export { PaymentsService, type AuthorizeInput, type AuthorizeResult } from './payments.service.js';
export type { RefundInput } from './refunds.service.js';
export type { Payment, PaymentAttempt, Refund, ReconciliationRun, ReconciliationFinding } from './payments.schemas.js';
export type { PaymentStatus } from './payments.status.js';
export type { AttemptOutcome } from './router.js';
export { PaymentErrors } from './payments.errors.js';
export { openProcessorDirectory, staticDirectory, type ProcessorDirectory } from './processors.js';
export { startEmulators, runEmulatorsCommand, emulatorControl, TEST_TOKENS, type EmulatorControl, type RunningEmulators, type EmulatorEndpoint } from './emulator/index.js';
export type { RecoveryResult } from './payments.recovery.js';

export const paymentsMigrations: MigrationSource = {
  module: 'payments',
  dir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
};

/**
 * The payments module: processors reached over HTTP with failover and circuit breakers, payments,
 * refunds and reconciliation. `processors` comes from `openProcessorDirectory(config.payments)`;
 * whoever opened it closes it.
 * @example
 *   const processors = await openProcessorDirectory(config.payments);
 *   const payments = createPaymentsModule(moduleDeps, processors);
 *   await app.register(payments.routes);
 *   scheduler.every('payments.reconcile', 3_600_000, () => payments.jobs.reconcile());
 */
export function createPaymentsModule(deps: ModuleDeps, processors: ProcessorDirectory) {
  const { payments: config } = deps.config;
  const breakers = new ProcessorBreakers(deps.metrics, { threshold: config.breakerThreshold, halfOpenMs: config.breakerHalfOpenMs });
  const router = new PaymentRouter(processors, breakers, config.routes);
  const runtime: PaymentsRuntime = { processors, breakers, router };
  const service = new PaymentsService(runtime);
  const reconciliation = new ReconciliationService(runtime);
  const jobs = {
    /** Reconciles every environment (each sandbox has its own processor accounts); returns the findings counts per environment. */
    reconcile: async () => {
      const out: Partial<Record<Environment, { id: string; status: string; missing: number; extra: number; amount_mismatch: number }>> = {};
      for (const env of await deps.db.environments()) {
        const run = await reconciliation.run(jobContext(deps, env), 'schedule');
        out[env] = { id: run.id, status: run.status, ...run.summary };
      }
      return out;
    },
    /** Settles payments left `processing` and refunds left `pending` (see recoverPayments). */
    recover: async (olderThanMs?: number) => {
      const out: Partial<Record<Environment, RecoveryResult>> = {};
      for (const env of await deps.db.environments()) out[env] = await recoverPayments(jobContext(deps, env), runtime, service, olderThanMs);
      return out;
    },
  };
  return {
    service,
    reconciliation,
    processors,
    breakers,
    jobs,
    schemas: PAYMENT_SCHEMAS,
    routes: paymentsRoutes(deps, service, reconciliation),
  };
}

export type PaymentsModule = ReturnType<typeof createPaymentsModule>;
