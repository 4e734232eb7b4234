import type { Database, EnvDb, Queryable } from '../../platform/db/database.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import { emit } from '../../platform/events/outbox.js';
import type { Credential, ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { jobContext } from '../../platform/http/module.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { priceMeter, totalOf, type MeterPricing, type TierLine } from './billing.tiers.js';
import { InvoiceErrors } from './invoices.errors.js';
import { firstOpenPeriod, isClosed, isPeriod, periodEnd, periodOf, periodStart } from './invoices.periods.js';
import * as repo from './invoices.repo.js';
import { plansOf } from './plans.repo.js';
import { BillingErrors } from './billing.errors.js';
import { operatorOnly, type PlansService } from './plans.service.js';
import { METERS, type MeterName } from './plans.schemas.js';

/** What prices a partner's period: per meter, its free quota and tiers; one currency. */
export interface PlanPricing {
  id: string | null;
  currency: string;
  meters: Partial<Record<string, MeterPricing>>;
}

export interface InvoiceLine extends TierLine {
  meter: MeterName;
}

interface InvoiceBody {
  object: 'invoice';
  partner_id: string;
  period: string;
  period_start: string;
  period_end: string;
  plan_id: string | null;
  currency: string;
  lines: InvoiceLine[];
  subtotal: number;
  total: number;
}

export interface Invoice extends InvoiceBody {
  id: string;
  status: 'finalized';
  created_at: string;
  finalized_at: string;
}

/** The current period's invoice as it stands: computed from the usage so far, never stored. */
export interface UpcomingInvoice extends InvoiceBody {
  status: 'draft';
  /** When it was computed. */
  as_of: string;
}

export interface Finalization {
  object: 'invoice_finalization';
  /** Periods before this one were closed and finalized. */
  open_period: string;
  /** The invoices this run created (none when everything was already finalized). */
  invoices: Invoice[];
}

/** The lines of a period's usage under a plan: per meter in METERS order, per tier. */
export function invoiceLines(plan: PlanPricing, usage: Partial<Record<string, number>>): InvoiceLine[] {
  return METERS.flatMap((meter) => {
    const quantity = usage[meter] ?? 0;
    const pricing = plan.meters[meter] ?? { free_quota: 0, tiers: [] };
    return priceMeter(pricing, quantity).map((l) => ({ meter, ...l }));
  });
}

function present(row: repo.InvoiceRow, lines: readonly repo.InvoiceLineRow[]): Invoice {
  return {
    id: row.id,
    object: 'invoice',
    partner_id: row.partner_id,
    period: row.period,
    period_start: periodStart(row.period).toISOString(),
    period_end: periodEnd(row.period).toISOString(),
    status: row.status,
    plan_id: row.plan_id,
    currency: row.currency,
    lines: lines.map((l) => ({ meter: l.meter, tier: l.tier, first_unit: l.first_unit, last_unit: l.last_unit, quantity: l.quantity, unit_amount: l.unit_amount, unit_amount_decimal: l.unit_amount_decimal, amount: l.amount })),
    subtotal: row.subtotal,
    total: row.total,
    created_at: row.created_at.toISOString(),
    finalized_at: row.finalized_at.toISOString(),
  };
}

/**
 * Invoices of partners' metered usage. A partner's invoice for a period (a UTC month) is written
 * once, after the period closed, from its live usage and plan: `finalize` is idempotent, since
 * `UNIQUE (partner_id, period)` makes a second or concurrent finalization write nothing (and emit
 * nothing). The current period's draft is computed on read. Invoices live in the live schema.
 */
export class InvoicesService {
  private readonly home: EnvDb;

  constructor(
    private readonly db: Database,
    private readonly plans: Pick<PlansService, 'partnerExists'>,
    private readonly ids: IdGenerator,
    private readonly now: () => Date,
  ) {
    this.home = db.forEnv('live');
  }

  /** The scheduled job: finalizes every closed period with live usage and no invoice yet. */
  async finalizeDue(): Promise<{ open_period: string; created: number }> {
    const result = await this.finalize(jobContext({ db: this.db, ids: this.ids, now: this.now }, 'live'));
    return { open_period: result.open_period, created: result.invoices.length };
  }

  /**
   * Finalizes the invoices of every closed period (or only `period`) for each partner with live
   * usage in it; `invoice.finalized` is emitted in the live outbox in each invoice's transaction.
   */
  async finalize(ctx: ServiceContext, period?: string): Promise<Finalization> {
    const now = this.now();
    if (period !== undefined) {
      if (!isPeriod(period)) throw new AppError(InvoiceErrors.invalidPeriod, `"${period}" is not a billing period (YYYY-MM).`, [{ detail: 'A UTC month, YYYY-MM.', pointer: '/period' }]);
      if (!isClosed(period, now)) throw new AppError(InvoiceErrors.periodNotClosed, `Period ${period} has not closed yet: it ends at ${periodEnd(period).toISOString()} (finalized a few minutes later).`, [{ detail: 'A past month.', pointer: '/period' }]);
    }
    const open = firstOpenPeriod(now);
    const due = (await repo.uninvoicedPeriods(this.home, open)).filter((p) => period === undefined || p.period === period);
    const live: ServiceContext = { ...ctx, env: 'live', db: this.home };
    const invoices: Invoice[] = [];
    for (const { partner_id, period: p } of due) {
      const created = await this.home.transaction(async (tx) => {
        const [usage, plan] = await Promise.all([repo.liveUsage(tx, partner_id, p), planOf(tx, partner_id)]);
        const lines = invoiceLines(plan, usage);
        const subtotal = totalOf(lines);
        const at = this.now();
        const row = await repo.insertInvoice(
          tx,
          { id: ctx.ids('inv'), partner_id, period: p, status: 'finalized', plan_id: plan.id, currency: plan.currency, subtotal, total: subtotal, created_at: at, finalized_at: at },
          lines.map((l, position) => ({ position, ...l })),
        );
        if (!row) return undefined; // finalized meanwhile by another run
        const invoice = present(row, lines.map((l, position) => ({ invoice_id: row.id, position, ...l })));
        await emit(tx, live, { type: 'invoice.finalized', object: { ...invoice } });
        return invoice;
      });
      if (created) invoices.push(created);
    }
    return { object: 'invoice_finalization', open_period: open, invoices };
  }

  /** Invoices newest period first: a partner's own; an operator's all, or one partner's. */
  async list(caller: Credential, q: { limit: number; starting_after?: string | undefined; partner_id?: string | undefined }): Promise<List<Invoice>> {
    const partnerId = caller.partnerId ?? operator(caller, q.partner_id);
    const rows = await repo.pageInvoices(this.home, { partner_id: partnerId, starting_after: q.starting_after, limit: q.limit + 1 });
    const lines = await repo.linesOf(this.home, rows.map((r) => r.id));
    return toList(
      rows.map((r) => present(r, lines.filter((l) => l.invoice_id === r.id))),
      q.limit,
      (i) => i.id,
    );
  }

  /** One invoice; another partner's is 404, as if it did not exist. */
  async get(caller: Credential, id: string): Promise<Invoice> {
    if (!caller.partnerId) operator(caller, undefined);
    const row = await repo.findInvoice(this.home, id);
    if (!row || (caller.partnerId && row.partner_id !== caller.partnerId)) throw new AppError(InvoiceErrors.invoiceNotFound, `No invoice ${id}.`);
    return present(row, await repo.linesOf(this.home, [id]));
  }

  /** The current period's draft of a partner (its own; an operator names one), from its live usage so far. */
  async upcoming(caller: Credential, partnerIdParam: string | undefined): Promise<UpcomingInvoice> {
    const partnerId = caller.partnerId ?? operator(caller, partnerIdParam);
    if (!partnerId) throw new AppError(InvoiceErrors.partnerRequired, 'Operators name the partner: ?partner_id=ptr_…', [{ detail: 'Required for operators.', pointer: '/partner_id' }]);
    if (!caller.partnerId && !(await this.plans.partnerExists(partnerId))) throw new AppError(BillingErrors.partnerNotFound, `No partner ${partnerId}.`);
    const now = this.now();
    const period = periodOf(now);
    const [usage, plan] = await Promise.all([repo.liveUsage(this.home, partnerId, period), planOf(this.home, partnerId)]);
    const lines = invoiceLines(plan, usage);
    const subtotal = totalOf(lines);
    return {
      object: 'invoice',
      partner_id: partnerId,
      period,
      period_start: periodStart(period).toISOString(),
      period_end: periodEnd(period).toISOString(),
      status: 'draft',
      plan_id: plan.id,
      currency: plan.currency,
      lines,
      subtotal,
      total: subtotal,
      as_of: now.toISOString(),
    };
  }
}

/** Non-partner callers are operators: a live-mode key with `billing:read`. Returns the partner filter. */
function operator(caller: Credential, partnerId: string | undefined): string | undefined {
  operatorOnly(caller, 'billing:read');
  return partnerId;
}

/**
 * The plan that prices a partner's period: the one assigned when the invoice is computed (the
 * default plan without one). Assignments keep no history yet, so a plan changed mid-period prices
 * the whole period.
 */
async function planOf(db: Queryable, partnerId: string): Promise<PlanPricing> {
  const plan = (await plansOf(db, [partnerId])).get(partnerId);
  if (!plan) throw new Error(`no plan for partner ${partnerId} (is the default plan missing?)`);
  return { id: plan.id, currency: plan.currency, meters: plan.meters };
}
