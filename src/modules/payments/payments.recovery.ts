import type { ServiceContext } from '../../platform/http/context.js';
import { announcePayment, paymentStatusEvent } from './payments.events.js';
import type { PaymentsRuntime } from './payments.runtime.js';
import * as repo from './payments.repo.js';
import type { PaymentsService } from './payments.service.js';
import * as refunds from './refunds.repo.js';
import type { AttemptRecord } from './router.js';

export interface RecoveryResult {
  payments_checked: number;
  authorized: number;
  not_authorized: number;
  still_unknown: number;
  reversed: number;
  reverse_failed: number;
  refunds_retried: number;
}

/**
 * Settles what an interrupted or ambiguous flow left open, long after any request could still be
 * working on it (`olderThanMs`):
 * - payments still `processing` (an `unresolved` or `pending` attempt): each such attempt's
 *   reference is looked up. Found authorised, the payment takes that authorization and, having no
 *   order (its checkout was told it failed), is reversed at once, so the customer is not charged
 *   for an order that does not exist. Found nowhere, it goes back to `requires_payment_method`.
 * - payments holding money (authorised or captured, not fully refunded) with no order, older than
 *   the cutoff: reversed. Only checkout creates payments and it links the order in the order's own
 *   transaction, so such a payment belongs to a checkout that failed (or died) and was not undone.
 * - refunds still `pending`: sent again with the same reference (the processor refunds once).
 */
export async function recoverPayments(ctx: ServiceContext, runtime: PaymentsRuntime, service: PaymentsService, olderThanMs = 120_000): Promise<RecoveryResult> {
  const out: RecoveryResult = { payments_checked: 0, authorized: 0, not_authorized: 0, still_unknown: 0, reversed: 0, reverse_failed: 0, refunds_retried: 0 };
  const cutoff = new Date(ctx.now().getTime() - olderThanMs);
  for (const payment of await repo.stuckProcessing(ctx.db, cutoff, 100)) {
    out.payments_checked++;
    const open = (await repo.attemptsOf(ctx.db, [payment.id])).filter((a) => a.outcome === 'pending' || a.outcome === 'unresolved');
    let unknown = false;
    let found: { processor: string; authorizationId: string; captured: number; amount: number } | undefined;
    const settled: AttemptRecord[] = [];
    for (const attempt of open) {
      const processor = runtime.processors.forEnv(ctx.env).get(attempt.processor);
      if (!processor) continue;
      const r = await runtime.router.resolve(ctx.env, processor, attempt.reference);
      if (r.kind === 'unknown') unknown = true;
      else if (r.kind === 'authorized' && !found) found = { processor: attempt.processor, authorizationId: r.authorization.id, captured: r.authorization.amount_captured, amount: r.authorization.amount };
      settled.push({
        number: attempt.number,
        reference: attempt.reference,
        processor: attempt.processor,
        outcome: r.kind === 'authorized' ? 'timeout_authorized' : r.kind === 'unknown' ? 'unresolved' : r.kind === 'declined' ? 'declined' : 'timeout_not_authorized',
        declineCode: r.kind === 'declined' ? r.declineCode : attempt.decline_code,
        latencyMs: attempt.latency_ms,
        startedAt: attempt.started_at,
        processorPaymentId: r.kind === 'authorized' ? r.authorization.id : null,
        detail: `${attempt.detail ?? ''}${attempt.detail ? '; ' : ''}settled by recovery lookup`,
      });
    }
    // The attempts' outcomes, the payment's state and its event in one transaction: an attempt
    // stored as authorised on a payment still `processing` would no longer be looked up, and never reversed.
    const authorization = found;
    await ctx.db.transaction(async (tx) => {
      await repo.saveAttempts(tx, payment.id, settled);
      let moved: repo.PaymentRow | undefined;
      if (authorization) {
        const captured = authorization.captured > 0;
        moved = await repo.updatePayment(
          tx,
          payment.id,
          {
            status: captured ? 'succeeded' : 'requires_capture',
            processor: authorization.processor,
            processor_payment_id: authorization.authorizationId,
            amount_captured: captured ? authorization.captured : 0,
            amount_capturable: captured ? 0 : authorization.amount,
          },
          ctx.now(),
        );
      } else if (!unknown) moved = await repo.updatePayment(tx, payment.id, { status: 'requires_payment_method' }, ctx.now());
      const type = moved && paymentStatusEvent(moved.status);
      if (type) await announcePayment(tx, ctx, payment.id, type);
    });
    if (found) {
      out.authorized++;
      if (!payment.order_id) {
        // its checkout was told it failed: give the money back now (the orphan sweep below retries if this fails)
        const reversed = await service.reverse(ctx, payment.id, 'unresolved_authorization').then(
          () => true,
          () => false,
        );
        if (reversed) out.reversed++;
        else out.reverse_failed++;
      }
    } else if (unknown) out.still_unknown++;
    else out.not_authorized++;
  }
  // Money held for no order: a reversal above that failed, and any checkout whose undo (the
  // reversal) failed, e.g. while the processor was down. Each is tried on every run until it goes through.
  // well past any checkout's lease (2 min), so a checkout still finishing is never undone under it
  const orphanCutoff = new Date(ctx.now().getTime() - Math.max(olderThanMs, 600_000));
  for (const id of await repo.orphaned(ctx.db, orphanCutoff, 100)) {
    try {
      await service.reverse(ctx, id, 'no_order');
      out.reversed++;
    } catch {
      out.reverse_failed++; // processor still unavailable: the next run tries again
    }
  }
  const { rows } = await ctx.db.query<refunds.RefundRow>(`SELECT id FROM refunds WHERE status = 'pending' AND updated_at < $1 ORDER BY id LIMIT 100`, [cutoff]);
  for (const { id } of rows) {
    const refund = await refunds.findRefund(ctx.db, id);
    const payment = refund ? await repo.findPayment(ctx.db, refund.payment_id) : undefined;
    if (!refund || !payment || refund.status !== 'pending') continue;
    await service.refunds.send(ctx, payment, refund, false).catch(() => undefined); // still unavailable: next run
    out.refunds_retried++;
  }
  return out;
}
