import type { ServiceContext } from '../../platform/http/context.js';
import { AppError, Errors } from '../../platform/http/errors.js';
import { PaymentErrors } from './payments.errors.js';
import { announcePayment } from './payments.events.js';
import { presentRefund } from './payments.present.js';
import { processorOf, type PaymentsRuntime } from './payments.runtime.js';
import * as payments from './payments.repo.js';
import type { Refund } from './payments.schemas.js';
import * as repo from './refunds.repo.js';

export interface RefundInput {
  /** Minor units; at most what is captured and not yet refunded. */
  amount: number;
  reason?: string | null;
  /**
   * The caller's key for this refund (e.g. its own refund id). Asking again with it returns the
   * same refund, and retries one the processor had not confirmed, instead of refunding twice.
   */
  idempotencyRef?: string | null;
}

function isCheckViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23514';
}

/**
 * Refunds, partial and repeated, never beyond what was captured. A refund first reserves its
 * amount under the payment's row lock (and the table's CHECK amount_refunded <= amount_captured
 * backs that up), commits a `pending` row, and only then calls the processor with the refund id
 * as its reference. So concurrent refunds cannot over-refund, and one the processor did not
 * confirm stays `pending` with its reservation until it is retried with the same reference.
 */
export class RefundsService {
  constructor(private readonly runtime: PaymentsRuntime) {}

  /**
   * Refunds `amount` of a captured payment. Returns the refund: `succeeded`, `failed` (the processor
   * refused; nothing refunded, reservation released) or `pending` (not confirmed; retry with the
   * same idempotencyRef, or the recovery job settles it). Throws 409 `refund_exceeds_captured`, or
   * 503 `processor_unavailable` when the processor surely did nothing (the refund is then not kept).
   * @example await payments.refund(ctx, 'pay_…', { amount: 500, reason: 'damaged', idempotencyRef: 'oref_…' })
   */
  async refund(ctx: ServiceContext, paymentId: string, input: RefundInput): Promise<Refund> {
    if (!Number.isSafeInteger(input.amount) || input.amount < 1) throw new AppError(Errors.validationFailed, 'amount must be a positive integer in minor units.', [{ detail: 'Positive integer.', pointer: '/amount' }]);
    const reserved = await ctx.db
      .transaction(async (tx) => {
        const payment = await payments.findPayment(tx, paymentId, true);
        if (!payment) throw new AppError(PaymentErrors.paymentNotFound, `No payment ${paymentId}.`);
        if (input.idempotencyRef) {
          const existing = await repo.findRefundByRef(tx, paymentId, input.idempotencyRef);
          if (existing) return { payment, refund: existing, fresh: false };
        }
        if (payment.status !== 'succeeded') throw new AppError(PaymentErrors.invalidState, `Payment ${paymentId} is ${payment.status}; only captured payments can be refunded.`);
        const refundable = payment.amount_captured - payment.amount_refunded;
        if (input.amount > refundable) {
          throw new AppError(PaymentErrors.refundExceedsCaptured, `Refundable: ${refundable} ${payment.currency} of ${payment.amount_captured} captured; asked ${input.amount}.`, [
            { detail: `At most ${refundable}.`, pointer: '/amount' },
          ]);
        }
        const refund = await repo.insertRefundReserving(tx, {
          id: ctx.ids('re'),
          payment_id: paymentId,
          amount: input.amount,
          currency: payment.currency,
          reason: input.reason ?? null,
          idempotency_ref: input.idempotencyRef ?? null,
          now: ctx.now(),
        });
        return { payment, refund, fresh: true };
      })
      .catch((err: unknown) => {
        if (isCheckViolation(err)) throw new AppError(PaymentErrors.refundExceedsCaptured, `Refunds of ${paymentId} would exceed what was captured.`);
        throw err;
      });
    if (reserved.refund.status !== 'pending') return presentRefund(reserved.refund);
    return this.send(ctx, reserved.payment, reserved.refund, reserved.fresh);
  }

  /**
   * Sends a pending refund to the processor and settles it by the answer. `fresh`: it was never
   * sent before, so a processor that surely did nothing lets us forget it entirely.
   */
  async send(ctx: ServiceContext, payment: payments.PaymentRow, refund: repo.RefundRow, fresh: boolean): Promise<Refund> {
    const { processor, authorizationId } = processorOf(this.runtime, ctx.env, payment);
    const result = await this.runtime.breakers.guarded(ctx.env, processor.name, 'refund', () => processor.refund(authorizationId, refund.amount, refund.id));
    switch (result.kind) {
      case 'ok': {
        // A transaction rather than one statement with the event spliced in: the settle is
        // conditional (another process may have settled this refund meanwhile), and only the one
        // that wins announces it, with the payment as it now is.
        const settled = await ctx.db.transaction(async (tx) => {
          const row = await repo.settleRefund(tx, refund.id, { status: 'succeeded', processor_refund_id: result.value.id }, ctx.now());
          if (row) await announcePayment(tx, ctx, payment.id, 'payment.refunded', (p) => ({ amount_refunded: p.amount_refunded - row.amount }));
          return row;
        });
        return presentRefund(settled ?? (await this.row(ctx, refund.id)));
      }
      case 'ambiguous':
        return presentRefund(refund); // stays pending, amount still reserved
      case 'circuit_open':
      case 'unavailable':
        if (!fresh) throw new AppError(PaymentErrors.processorUnavailable, `${processor.name} is unavailable; refund ${refund.id} stays pending. Retry later.`);
        // Surely not done: forget the refund and its reservation, so asking again starts afresh.
        await ctx.db.transaction(async (tx) => {
          const { rowCount } = await tx.query(`DELETE FROM refunds WHERE id = $1 AND status = 'pending'`, [refund.id]);
          if (rowCount) await payments.addRefunded(tx, payment.id, -refund.amount, ctx.now());
        });
        throw new AppError(PaymentErrors.processorUnavailable, `${processor.name} is unavailable; nothing was refunded. Retry later.`);
      case 'declined':
      case 'rejected': {
        const code = result.kind === 'declined' ? result.declineCode : result.code;
        const failed = await ctx.db.transaction(async (tx) => {
          const row = await repo.settleRefund(tx, refund.id, { status: 'failed', failure_code: code }, ctx.now());
          if (row) await payments.addRefunded(tx, payment.id, -refund.amount, ctx.now());
          return row;
        });
        return presentRefund(failed ?? (await this.row(ctx, refund.id)));
      }
    }
  }

  async get(ctx: ServiceContext, id: string): Promise<Refund> {
    return presentRefund(await this.row(ctx, id));
  }

  async listForPayment(ctx: ServiceContext, paymentId: string): Promise<Refund[]> {
    return (await repo.refundsOf(ctx.db, paymentId)).map(presentRefund);
  }

  private async row(ctx: ServiceContext, id: string): Promise<repo.RefundRow> {
    const row = await repo.findRefund(ctx.db, id);
    if (!row) throw new AppError(PaymentErrors.refundNotFound, `No refund ${id}.`);
    return row;
  }
}
