import type { AttemptRow, PaymentRow } from './payments.repo.js';
import type { Payment, Refund } from './payments.schemas.js';
import type { RefundRow } from './refunds.repo.js';

/** The API shape of a payment, with its attempts in order. */
export function presentPayment(row: PaymentRow, attempts: readonly AttemptRow[]): Payment {
  return {
    id: row.id,
    object: 'payment',
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    capture_method: row.capture_method,
    amount_capturable: row.amount_capturable,
    amount_captured: row.amount_captured,
    amount_refunded: row.amount_refunded,
    processor: row.processor,
    processor_payment_id: row.processor_payment_id,
    last_decline_code: row.last_decline_code,
    cart_id: row.cart_id,
    order_id: row.order_id,
    metadata: row.metadata,
    attempts: attempts.map((a) => ({
      number: a.number,
      reference: a.reference,
      processor: a.processor,
      outcome: a.outcome,
      decline_code: a.decline_code,
      latency_ms: a.latency_ms,
      detail: a.detail,
      started_at: a.started_at.toISOString(),
    })),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The API shape of a refund. */
export function presentRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    object: 'refund',
    payment_id: row.payment_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    failure_code: row.failure_code,
    processor_refund_id: row.processor_refund_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
