import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { PaymentErrors } from './payments.errors.js';
import type { PaymentsRuntime } from './payments.runtime.js';
import { bookedAuthorizations } from './payments.repo.js';
import type { ReconciliationFinding, ReconciliationRun } from './payments.schemas.js';
import { compareSettlements } from './reconciliation.compare.js';
import * as repo from './reconciliation.repo.js';

function present(run: repo.RunRow, findings: ReconciliationFinding[]): ReconciliationRun {
  const count = (kind: ReconciliationFinding['kind']) => findings.filter((f) => f.kind === kind).length;
  return {
    id: run.id,
    object: 'reconciliation_run',
    status: run.status,
    trigger: run.trigger,
    processors: run.processors,
    errors: run.errors,
    payments_checked: run.payments_checked,
    entries_checked: run.entries_checked,
    summary: { missing: count('missing'), extra: count('extra'), amount_mismatch: count('amount_mismatch') },
    findings,
    started_at: run.started_at.toISOString(),
    finished_at: run.finished_at.toISOString(),
  };
}

/**
 * Reconciliation: our payments (captured amounts, confirmed refunds) against every processor's
 * settlement report. A processor whose report cannot be fetched makes the run `partial`.
 * It compares the whole books each time, which suits the emulators and small shops; a large
 * deployment would page the report and compare by settlement date.
 */
export class ReconciliationService {
  constructor(private readonly runtime: PaymentsRuntime) {}

  /**
   * Runs now in the caller's environment and stores the run with its findings; a run that found
   * something is announced (`reconciliation_run.completed`) in the transaction that stores it.
   */
  async run(ctx: ServiceContext, trigger: 'api' | 'schedule' = 'api'): Promise<ReconciliationRun> {
    const startedAt = ctx.now();
    const processors = [...this.runtime.processors.forEnv(ctx.env).values()];
    const booked = await bookedAuthorizations(ctx.db);
    const findings: ReconciliationFinding[] = [];
    const errors: repo.RunRow['errors'] = [];
    let entries = 0;
    const reports = await Promise.all(processors.map((p) => this.runtime.breakers.timed(ctx.env, p.name, 'settlements', () => p.settlements())));
    processors.forEach((p, i) => {
      const report = reports[i]!;
      if (report.kind !== 'ok') {
        errors.push({ processor: p.name, detail: report.kind === 'rejected' ? `${report.code}: ${report.reason}` : report.kind === 'declined' ? report.declineCode : report.reason });
        return;
      }
      entries += report.value.length;
      findings.push(...compareSettlements(p.name, booked, report.value));
    });
    const run: repo.RunRow = {
      id: ctx.ids('recon'),
      status: errors.length ? 'partial' : 'completed',
      trigger,
      processors: processors.map((p) => p.name),
      errors,
      payments_checked: booked.length,
      entries_checked: entries,
      started_at: startedAt,
      finished_at: ctx.now(),
    };
    const presented = present(run, findings);
    await ctx.db.transaction(async (tx) => {
      await repo.insertRun(tx, run, findings);
      if (findings.length) await emit(tx, ctx, { type: 'reconciliation_run.completed', object: presented });
    });
    return presented;
  }

  async get(ctx: ServiceContext, id: string): Promise<ReconciliationRun> {
    const found = await repo.findRun(ctx.db, id);
    if (!found) throw new AppError(PaymentErrors.reconciliationRunNotFound, `No reconciliation run ${id}.`);
    return present(found.run, found.findings);
  }
}
