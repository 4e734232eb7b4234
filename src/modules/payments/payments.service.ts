import type { Queryable } from '../../platform/db/database.js';
import { envelopes } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError, Errors } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { PaymentErrors } from './payments.errors.js';
import { announcePayment, paymentStatusEvent } from './payments.events.js';
import { AuthorizationJournal } from './payments.journal.js';
import { presentPayment } from './payments.present.js';
import { callOrThrow, processorOf, type PaymentsRuntime } from './payments.runtime.js';
import * as repo from './payments.repo.js';
import type { Payment, Refund } from './payments.schemas.js';
import { assertTransition, type PaymentStatus } from './payments.status.js';
import { RefundsService, type RefundInput } from './refunds.service.js';
import type { FailoverResult } from './router.js';

export interface AuthorizeInput {
  /** Minor units. */
  amount: number;
  currency: string;
  /** The card token (test tokens: see the module README). */
  token: string;
  /**
   * The payment's capture policy, recorded on it. `authorize` itself only authorises unless
   * `captureImmediately` is set (checkout sets it for `automatic`: a sale in one processor call, so
   * a checkout failing after payment is undone by a refund; see `reverse`).
   */
  captureMethod: 'automatic' | 'manual';
  /** Capture in the authorization call itself (the processor's `capture: true`); `automatic` only. */
  captureImmediately?: boolean;
  cartId?: string | null;
  orderId?: string | null;
  metadata?: Record<string, string>;
}

export interface AuthorizeResult {
  payment: Payment;
  /** `unresolved`: a processor may have authorised and could not be asked; the payment stays `processing`. */
  outcome: 'authorized' | 'declined' | 'unavailable' | 'unresolved';
  declineCode: string | null;
}

/** Where the router's result leaves a `processing` payment; null for `unresolved` (it stays `processing`). */
function settlementOf(id: string, result: FailoverResult): repo.Settlement | null {
  if (result.outcome === 'unresolved') return null;
  const to: PaymentStatus = result.outcome !== 'authorized' ? 'requires_payment_method' : result.authorization.status === 'captured' ? 'succeeded' : 'requires_capture';
  assertTransition(id, 'processing', to, 'settle');
  if (result.outcome !== 'authorized') {
    const declineCode = result.outcome === 'declined' ? result.declineCode : null;
    return { status: to, processor: null, processor_payment_id: null, amount_captured: 0, amount_capturable: 0, last_decline_code: declineCode };
  }
  const auth = result.authorization;
  return {
    status: to,
    processor: result.processor,
    processor_payment_id: auth.id,
    amount_captured: to === 'succeeded' ? auth.amount_captured : 0,
    amount_capturable: to === 'requires_capture' ? auth.amount : 0,
    last_decline_code: null,
  };
}

/**
 * Payments: authorisation with failover across processors, capture, void, refunds, reads. The
 * public face other modules (checkout, orders) call; each method takes the caller's ServiceContext.
 */
export class PaymentsService {
  readonly refunds: RefundsService;

  constructor(private readonly runtime: PaymentsRuntime) {
    this.refunds = new RefundsService(runtime);
  }

  /**
   * Creates a payment and authorises it with at most one processor (see PaymentRouter). The
   * payment and each attempt are stored before any processor is called, so nothing is lost if the
   * process dies mid-way. An authorised payment waits in `requires_capture`, unless
   * `captureImmediately` asked the processor to capture in the same call (status `succeeded`).
   * @example
   *   const { payment, outcome, declineCode } = await payments.authorize(ctx, { amount: 2599, currency: 'USD', token: 'tok_visa', captureMethod: 'automatic', cartId });
   *   if (outcome === 'authorized') await payments.capture(ctx, payment.id); // manual capture, later
   */
  async authorize(ctx: ServiceContext, input: AuthorizeInput): Promise<AuthorizeResult> {
    if (!Number.isSafeInteger(input.amount) || input.amount < 1) throw new AppError(Errors.validationFailed, 'amount must be a positive integer in minor units.', [{ detail: 'Positive integer.', pointer: '/amount' }]);
    if (!this.runtime.router.order(input.currency).some((name) => this.runtime.processors.forEnv(ctx.env).has(name))) {
      throw new AppError(PaymentErrors.noProcessor, `No payment processor is configured for ${input.currency} in ${ctx.env} mode (TESSERA_SIMPAY_URL / TESSERA_ALTPAY_URL); nothing was charged.`);
    }
    if (!/^[A-Z]{3}$/.test(input.currency)) throw new AppError(Errors.validationFailed, 'currency must be an ISO 4217 code in upper case.', [{ detail: 'Like USD.', pointer: '/currency' }]);
    if (input.captureImmediately && input.captureMethod !== 'automatic') throw new AppError(Errors.validationFailed, 'captureImmediately needs captureMethod automatic.');
    const captureNow = input.captureImmediately === true;
    const id = ctx.ids('pay');
    // Round trips: the payment with its first pending attempt, the processor, then the outcome with
    // the payment's new state. The payment returned is built from those writes, not read back.
    const journal = new AuthorizationJournal(ctx.db, {
      id,
      amount: input.amount,
      currency: input.currency,
      capture_method: input.captureMethod,
      cart_id: input.cartId ?? null,
      order_id: input.orderId ?? null,
      metadata: input.metadata ?? {},
      now: ctx.now(),
    });
    const result = await this.runtime.router.authorizeWithFailover(
      ctx.env,
      { paymentId: id, amount: input.amount, currency: input.currency, token: input.token, capture: captureNow, now: ctx.now },
      journal.record,
    );
    const attempts = result.attempts.map((a) => repo.attemptRow(id, a));
    const row = await journal.settle(settlementOf(id, result), ctx.now(), (settled) => {
      const type = paymentStatusEvent(settled.status);
      return type ? envelopes(ctx, { type, object: presentPayment(settled, attempts) }) : [];
    });
    let payment = presentPayment(row, attempts);
    // A processor that authorised without capturing although asked to: capture now.
    if (result.outcome === 'authorized' && captureNow && payment.status === 'requires_capture') payment = await this.capture(ctx, id);
    const declineCode = result.outcome === 'declined' ? result.declineCode : null;
    return { payment, outcome: result.outcome, declineCode };
  }

  /**
   * Captures a `requires_capture` payment, all of it or `amount` of it (the rest is released). The
   * row stays locked during the processor call, so two captures never race; a processor that does
   * not confirm leaves the payment as it was, and a retry is safe (capture is idempotent there).
   */
  async capture(ctx: ServiceContext, paymentId: string, amount?: number): Promise<Payment> {
    return ctx.db.transaction(async (tx) => {
      const row = await this.locked(tx, paymentId);
      assertTransition(paymentId, row.status, 'succeeded', 'capture');
      const toCapture = amount ?? row.amount_capturable;
      if (!Number.isSafeInteger(toCapture) || toCapture < 1 || toCapture > row.amount_capturable) {
        throw new AppError(PaymentErrors.captureExceedsAuthorized, `Capturable: ${row.amount_capturable} ${row.currency}; asked ${toCapture}.`, [{ detail: 'Too large.', pointer: '/amount' }]);
      }
      const { processor, authorizationId } = processorOf(this.runtime, ctx.env, row);
      const auth = await callOrThrow(this.runtime, ctx.env, processor, 'capture', () => processor.capture(authorizationId, toCapture));
      await repo.updatePayment(tx, paymentId, { status: 'succeeded', amount_captured: auth.amount_captured, amount_capturable: 0 }, ctx.now());
      return announcePayment(tx, ctx, paymentId, 'payment.captured');
    });
  }

  /**
   * Cancels a payment that holds no captured money: voids its authorization (`requires_capture`)
   * or just closes it (`requires_payment_method`). Voiding a canceled payment returns it unchanged.
   */
  async void(ctx: ServiceContext, paymentId: string): Promise<Payment> {
    const canceled = await ctx.db.transaction(async (tx) => {
      const row = await this.locked(tx, paymentId);
      if (row.status === 'canceled') return undefined;
      assertTransition(paymentId, row.status, 'canceled', 'void');
      if (row.status === 'requires_capture') {
        const { processor, authorizationId } = processorOf(this.runtime, ctx.env, row);
        await callOrThrow(this.runtime, ctx.env, processor, 'void', () => processor.void(authorizationId));
      }
      await repo.updatePayment(tx, paymentId, { status: 'canceled', amount_capturable: 0 }, ctx.now());
      return announcePayment(tx, ctx, paymentId, 'payment.canceled');
    });
    return canceled ?? this.get(ctx, paymentId);
  }

  /**
   * Undoes a payment, for a checkout that failed after authorising: voids it if uncaptured, else
   * refunds what is not refunded yet (idempotently: asking twice refunds once).
   */
  async reverse(ctx: ServiceContext, paymentId: string, reason = 'checkout_failed'): Promise<Payment> {
    const payment = await repo.findPayment(ctx.db, paymentId);
    if (!payment) throw new AppError(PaymentErrors.paymentNotFound, `No payment ${paymentId}.`);
    if (payment.status === 'succeeded') {
      const remaining = payment.amount_captured - payment.amount_refunded;
      if (remaining > 0) await this.refunds.refund(ctx, paymentId, { amount: remaining, reason, idempotencyRef: `reverse_${paymentId}` });
      return this.get(ctx, paymentId);
    }
    return this.void(ctx, paymentId);
  }

  /** Refunds part or all of a captured payment; see RefundsService.refund. */
  refund(ctx: ServiceContext, paymentId: string, input: RefundInput): Promise<Refund> {
    return this.refunds.refund(ctx, paymentId, input);
  }

  /** Records the order a payment paid for; may run inside the caller's transaction (`tx`) or on `ctx.db`. */
  async attachOrder(db: Queryable, paymentId: string, orderId: string): Promise<void> {
    const { rowCount } = await db.query('UPDATE payments SET order_id = $2, updated_at = now() WHERE id = $1 AND (order_id IS NULL OR order_id = $2)', [paymentId, orderId], 'payments_attach_order');
    if (rowCount) return;
    const row = await repo.findPayment(db, paymentId);
    if (!row) throw new AppError(PaymentErrors.paymentNotFound, `No payment ${paymentId}.`);
    throw new AppError(PaymentErrors.orderAlreadyAttached, `Payment ${paymentId} already belongs to order ${row.order_id}.`);
  }

  async get(ctx: Pick<ServiceContext, 'db'>, id: string): Promise<Payment> {
    const found = await repo.findPaymentWithAttempts(ctx.db, id);
    if (!found) throw new AppError(PaymentErrors.paymentNotFound, `No payment ${id}.`);
    return presentPayment(found.payment, found.attempts);
  }

  /** Newest first. */
  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string; cart_id?: string; order_id?: string; status?: PaymentStatus }): Promise<List<Payment>> {
    const rows = await repo.pagePayments(ctx.db, q.starting_after, q.limit + 1, q);
    const attempts = await repo.attemptsOf(ctx.db, rows.slice(0, q.limit).map((r) => r.id));
    return toList(
      rows.map((r) => presentPayment(r, attempts.filter((a) => a.payment_id === r.id))),
      q.limit,
      (p) => p.id,
    );
  }

  private async locked(tx: Queryable, paymentId: string): Promise<repo.PaymentRow> {
    const row = await repo.findPayment(tx, paymentId, true);
    if (!row) throw new AppError(PaymentErrors.paymentNotFound, `No payment ${paymentId}.`);
    return row;
  }
}
