import type { Logger } from 'pino';
import type { Modules } from './composition.js';
import type { Database } from './platform/db/database.js';
import type { IdGenerator } from './platform/crypto/ids.js';
import type { ServiceContext } from './platform/http/context.js';
import { jobContext } from './platform/http/module.js';
import type { Idempotency } from './platform/http/idempotency.js';
import type { Scheduler } from './platform/jobs/scheduler.js';
import { recoverStaleCheckouts } from './modules/checkout/checkout.recovery.js';
import { purgeEvents } from './platform/events/events.repo.js';

/** Runs `job` once per environment (live, test, each sandbox) with a job's ServiceContext; returns the results by environment. */
async function perEnv<T>(db: Database, ids: IdGenerator, job: (ctx: ServiceContext) => Promise<T>): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const env of await db.environments()) out[env] = await job(jobContext({ db, ids, now: () => new Date() }, env));
  return out;
}

/**
 * The background jobs every `serve` and `worker` process schedules; each runs in one process at a
 * time (advisory lock), so running several processes is safe.
 */
export function scheduleJobs(scheduler: Scheduler, deps: { db: Database; ids: IdGenerator; logger: Logger; idempotency: Idempotency; modules: Modules; eventRetentionDays: number }): void {
  const { db, ids, logger, modules } = deps;
  scheduler.every('idempotency.purge', 15 * 60_000, () => deps.idempotency.purgeExpired());
  scheduler.every('inventory.release_expired', 30_000, () => perEnv(db, ids, (ctx) => modules.inventory.service.releaseExpired(ctx)));
  scheduler.every('checkout.recover', 60_000, () =>
    perEnv(db, ids, (ctx) => recoverStaleCheckouts(ctx, { claims: modules.carts.checkout, inventory: modules.inventory.service, payments: modules.payments.service }, logger)),
  );
  scheduler.every('payments.recover', 60_000, () => modules.payments.jobs.recover());
  scheduler.every('payments.reconcile', 60 * 60_000, () => modules.payments.jobs.reconcile());
  // today's settlement (idempotent per period: a second firing the same day returns the day's run)
  scheduler.every('marketplace.settle', modules.marketplace.settlements.intervalMs, () =>
    perEnv(db, ids, async (ctx) => {
      const { run, created } = await modules.marketplace.settlements.run(ctx, { trigger: 'schedule' });
      return { run: run.id, period: run.period, created, payouts: run.payouts.length, findings: run.findings.length };
    }),
  );
  // partners' invoices of every closed month (live usage only), once each: a second run writes nothing
  scheduler.every('billing.finalize_invoices', 60 * 60_000, () => modules.billing.invoices.finalizeDue());
  // usage events only dedupe retries: kept as long as the idempotency keys they mirror (the counters keep the totals)
  scheduler.every('billing.prune_usage_events', 60 * 60_000, () => modules.billing.usage.pruneEvents(deps.idempotency.retentionHours));
  // a new recommendation model version from the signals, evaluated and activated, when signals arrived since the last (#7)
  scheduler.every('personalization.refresh_models', modules.personalization.refreshIntervalMs, () =>
    perEnv(db, ids, async (ctx) => {
      const model = await modules.personalization.models.refreshIfNew(ctx);
      return model ? { model: model.id, version: model.version, precision_at_10: model.metrics?.precision_at_10 ?? null } : { model: null };
    }),
  );
  // partner sandboxes retired by a reset (or a failed signup), dropped once their grace period is over
  scheduler.every('sandboxes.drop_retired', 60_000, () => modules.sandboxes.dropRetired());
  scheduler.every('carts.mark_abandoned', 5 * 60_000, () => perEnv(db, ids, (ctx) => modules.carts.abandonment.markAbandoned(ctx)));
  scheduler.every('carts.purge_expired', 60 * 60_000, () => perEnv(db, ids, (ctx) => modules.carts.carts.purgeExpired(ctx)));
  scheduler.every('events.purge', 60 * 60_000, () =>
    perEnv(db, ids, async (ctx) => {
      const before = new Date(ctx.now().getTime() - deps.eventRetentionDays * 86_400_000);
      return { events: await purgeEvents(ctx.db, before, 10_000), deliveries: await modules.webhooks.deliveries.purge(ctx, before, 10_000) };
    }),
  );
}

/**
 * Starts the event pipeline of a `serve` or `worker` process: the outbox dispatcher, the
 * webhook delivery worker and the carrier webhook processor. Any number of processes may run them against one database.
 * Returns the function that stops both.
 */
export function startEventProcessing(modules: Modules): () => Promise<void> {
  modules.dispatcher.start();
  modules.webhooks.worker.start();
  modules.fulfillment.intake.start();
  modules.nats?.start();
  return async () => {
    await modules.fulfillment.intake.stop();
    await modules.dispatcher.stop();
    await modules.webhooks.worker.stop();
    await modules.nats?.close();
  };
}
