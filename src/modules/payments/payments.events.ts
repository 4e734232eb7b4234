import type { Queryable } from '../../platform/db/database.js';
import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { presentPayment } from './payments.present.js';
import * as repo from './payments.repo.js';
import type { Payment } from './payments.schemas.js';
import type { PaymentStatus } from './payments.status.js';

/**
 * The event that a payment reaching `status` announces: `payment.authorized` (authorised, not
 * captured), `payment.captured`, `payment.failed` (declined, or no processor could take it) and
 * `payment.canceled`. A payment still `processing` announces nothing until it is settled.
 * Refunds are `payment.refunded` (see `announcePayment`).
 */
export function paymentStatusEvent(status: PaymentStatus): string | null {
  switch (status) {
    case 'requires_capture':
      return 'payment.authorized';
    case 'succeeded':
      return 'payment.captured';
    case 'requires_payment_method':
      return 'payment.failed';
    case 'canceled':
      return 'payment.canceled';
    case 'processing':
      return null;
  }
}

/**
 * Reads the payment as it now is inside `tx` and writes `type` about it there, so the event
 * commits with the change the caller just made; returns the payment. `previous` gives the
 * changed attributes' earlier values (`data.previous_attributes`) from the payment as it now is.
 * @example await db.transaction(async (tx) => { await repo.updatePayment(tx, id, patch, now); return announcePayment(tx, ctx, id, 'payment.captured'); });
 */
export async function announcePayment(tx: Queryable, ctx: ServiceContext, id: string, type: string, previous?: (now: Payment) => Record<string, unknown>): Promise<Payment> {
  const found = await repo.findPaymentWithAttempts(tx, id);
  if (!found) throw new Error(`payment ${id} vanished inside its own transaction`);
  const payment = presentPayment(found.payment, found.attempts);
  await emit(tx, ctx, { type, object: payment, ...(previous ? { previous: previous(payment) } : {}) });
  return payment;
}
