import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { LedgerErrors } from './ledger.errors.js';
import { entryRows } from './ledger.service.js';
import { payoutEntries } from './ledger.rules.js';
import { reconcile, type Finding } from './settlements.reconciliation.js';
import * as repo from './settlements.repo.js';

const DAY = 86_400_000;

export interface Payout {
  id: string;
  object: 'payout';
  settlement_run_id: string;
  seller_id: string;
  seller_name: string | null;
  currency: string;
  amount: number;
  status: 'pending' | 'paid' | 'failed';
  entries_count: number;
  created_at: string;
}

export interface SettlementRun {
  id: string;
  object: 'settlement_run';
  period: string;
  cutoff: string;
  trigger: 'api' | 'schedule';
  released_count: number;
  totals: { currency: string; payouts: number; amount: number }[];
  payouts: Payout[];
  findings: Finding[];
  created_at: string;
}

export function presentPayout(p: repo.PayoutRow): Payout {
  return { ...p, object: 'payout', currency: p.currency.trim(), created_at: p.created_at.toISOString() };
}

/** The UTC date of `at`, `YYYY-MM-DD`. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * The cutoff of a period: seller orders delivered at or before it are past their hold period.
 * The end of the period's day minus the hold, but never later than now minus the hold (a run
 * for today releases nothing younger than the hold).
 */
export function cutoffOf(period: string, now: Date, holdDays: number): Date {
  const endOfDay = Date.parse(`${period}T00:00:00.000Z`) + DAY;
  return new Date(Math.min(endOfDay, now.getTime()) - holdDays * DAY);
}

/**
 * Settlement runs: per period, releases what passed the hold period (pending → available) and
 * pays every active seller's available balance, in one transaction, then reconciles.
 * Payouts are recorded `pending`: the ledger moves the money to `platform:payouts` at once; the
 * bank transfer itself is out of scope (a payout executor would mark them `paid` or `failed`).
 */
export class SettlementsService {
  constructor(
    private readonly holdDays: number,
    /** How often the scheduled job settles today's period (config `TESSERA_SETTLEMENT_INTERVAL_MINUTES`). */
    readonly intervalMs: number,
  ) {}

  /**
   * Runs the settlement of `period` (default: today, UTC), or returns the existing run of that
   * period (`created: false`). Runs are serialized by an advisory lock, so concurrent calls make
   * one run and one set of payouts. Release and payouts are set-based statements.
   */
  async run(ctx: ServiceContext, input: { period?: string | undefined; trigger: 'api' | 'schedule' }): Promise<{ run: SettlementRun; created: boolean }> {
    const now = ctx.now();
    const period = input.period ?? utcDate(now);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(period) || Number.isNaN(Date.parse(`${period}T00:00:00Z`)) || utcDate(new Date(`${period}T00:00:00Z`)) !== period) {
      throw new AppError(LedgerErrors.invalidPeriod, `"${period}" is not a date (YYYY-MM-DD).`, [{ detail: 'A UTC date, YYYY-MM-DD.', pointer: '/period' }]);
    }
    if (period > utcDate(now)) throw new AppError(LedgerErrors.invalidPeriod, `Period ${period} has not begun.`, [{ detail: `At most ${utcDate(now)}.`, pointer: '/period' }]);
    const result = await ctx.db.transaction(async (tx) => {
      await repo.lockSettlements(tx);
      const existing = await repo.runByPeriod(tx, period);
      if (existing) return { id: existing.id, created: false };
      const id = ctx.ids('str');
      const cutoff = cutoffOf(period, now, this.holdDays);
      await repo.insertRun(tx, { id, period, cutoff, trigger: input.trigger, created_at: now });
      const released = await repo.releaseDue(tx, id, cutoff, now);

      const due = await repo.payable(tx);
      const payouts = due.map((d) => ({ id: ctx.ids('po'), settlement_run_id: id, seller_id: d.seller_id, seller_name: d.seller_name, currency: d.currency.trim(), amount: d.amount, status: 'pending' as const, entries_count: d.entries, created_at: now }));
      const postings = payouts.map((p) => ({ id: ctx.ids('ltx'), source: 'payout', source_id: p.id, kind: 'payout' }));
      const entries = payouts.flatMap((p, i) =>
        entryRows(payoutEntries(p), p.seller_id, { payout_id: p.id }).map((e) => ({ ...e, txn_id: postings[i]?.id ?? '' })),
      );
      await repo.insertPayouts(tx, payouts);
      await repo.insertPostingsBulk(tx, id, now, postings, entries);
      const unbalanced = await repo.unbalancedInRun(tx, id);
      if (unbalanced.length) throw new Error(`settlement run ${id} would leave the ledger unbalanced: ${JSON.stringify(unbalanced)}`);
      await emit(
        tx,
        ctx,
        payouts.map((p) => ({ type: 'payout.created', object: { ...presentPayout(p) } })),
      );
      await repo.finishRun(tx, id, released, await reconcile(tx));
      return { id, created: true };
    });
    return { run: await this.get(ctx, result.id), created: result.created };
  }

  async get(ctx: ServiceContext, id: string): Promise<SettlementRun> {
    const row = await repo.runById(ctx.db, id);
    if (!row) throw new AppError(LedgerErrors.settlementRunNotFound, `No settlement run ${id}.`);
    const [summary, payouts] = await Promise.all([this.summary(ctx, row), repo.payoutsOfRun(ctx.db, id)]);
    return { ...summary, payouts: payouts.map(presentPayout) };
  }

  /** Runs newest first, each with its totals but without its payouts (read one run for them). */
  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string | undefined }): Promise<List<Omit<SettlementRun, 'payouts'>>> {
    const rows = await repo.pageRuns(ctx.db, q.starting_after, q.limit + 1);
    return toList(await Promise.all(rows.map((r) => this.summary(ctx, r))), q.limit, (r) => r.id);
  }

  private async summary(ctx: ServiceContext, row: repo.RunRow): Promise<Omit<SettlementRun, 'payouts'>> {
    const totals = await repo.runTotals(ctx.db, row.id);
    return {
      id: row.id,
      object: 'settlement_run',
      period: row.period,
      cutoff: row.cutoff.toISOString(),
      trigger: row.trigger,
      released_count: row.released_count,
      totals: totals.map((t) => ({ ...t, currency: t.currency.trim() })),
      findings: row.findings as Finding[],
      created_at: row.created_at.toISOString(),
    };
  }

  /** Payouts newest first; a seller key sees only its own seller's. */
  async payouts(ctx: ServiceContext, q: { limit: number; starting_after?: string | undefined; seller_id?: string | undefined; settlement_run_id?: string | undefined }): Promise<List<Payout>> {
    const sellerId = ctx.actor?.sellerId ?? q.seller_id;
    const rows = await repo.pagePayouts(ctx.db, { ...q, seller_id: sellerId, limit: q.limit + 1 });
    return toList(rows.map(presentPayout), q.limit, (p) => p.id);
  }

  /** Reconciles now without settling. */
  async reconcile(ctx: ServiceContext): Promise<{ object: 'reconciliation'; checked_at: string; findings: Finding[] }> {
    return { object: 'reconciliation', checked_at: ctx.now().toISOString(), findings: await reconcile(ctx.db) };
  }
}
