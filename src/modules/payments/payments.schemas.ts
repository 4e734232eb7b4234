import { Type, type Static } from '@sinclair/typebox';
import { Amount, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { PAYMENT_STATUSES } from './payments.status.js';
import { ATTEMPT_OUTCOMES } from './router.js';


export const PaymentAttempt = Type.Object(
  {
    number: Type.Integer({ minimum: 1 }),
    reference: Type.String({ description: 'Our attempt reference `<payment id>_<number>`, sent to the processor as its Idempotency-Key.' }),
    processor: Type.String(),
    outcome: StringEnum(ATTEMPT_OUTCOMES, {
      description:
        '`authorized`; `declined` (hard decline, never retried elsewhere); `unavailable` (the processor surely did not authorise: connection refused or 503) and `circuit_open` (not called) fail over; ' +
        '`timeout_authorized` / `timeout_not_authorized` are ambiguous answers settled by a lookup of the reference; `unresolved`: the lookup failed too, so nothing else was tried; `pending`: in flight.',
    }),
    decline_code: Nullable(Type.String()),
    latency_ms: Nullable(Type.Integer({ minimum: 0 })),
    detail: Nullable(Type.String()),
    started_at: Timestamp,
  },
  { $id: 'PaymentAttempt' },
);

export const Payment = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('payment'),
    amount: Amount,
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    status: StringEnum(PAYMENT_STATUSES, {
      description: 'PaymentIntent-like: `processing` while attempts run (or until an unresolved one is settled), `requires_capture` (manual capture), `succeeded`, `requires_payment_method` after a decline, `canceled`.',
    }),
    capture_method: StringEnum(['automatic', 'manual']),
    amount_capturable: Amount,
    amount_captured: Amount,
    amount_refunded: Amount,
    processor: Nullable(Type.String()),
    processor_payment_id: Nullable(Type.String()),
    last_decline_code: Nullable(Type.String()),
    cart_id: Nullable(Type.String()),
    order_id: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.String()),
    attempts: Type.Array(Type.Ref(PaymentAttempt)),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Payment' },
);
export type Payment = Static<typeof Payment> & { attempts: Array<Static<typeof PaymentAttempt>> };
export type PaymentAttempt = Static<typeof PaymentAttempt>;

export const Refund = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('refund'),
    payment_id: Type.String(),
    amount: Amount,
    currency: Type.String(),
    status: StringEnum(['pending', 'succeeded', 'failed'], { description: '`pending`: the processor has not confirmed yet; asking again with the same idempotency reference retries it safely.' }),
    reason: Nullable(Type.String()),
    failure_code: Nullable(Type.String()),
    processor_refund_id: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Refund' },
);
export type Refund = Static<typeof Refund>;

export const ReconciliationFinding = Type.Object(
  {
    kind: StringEnum(['missing', 'extra', 'amount_mismatch'], {
      description: '`missing`: we recorded a capture the processor does not report; `extra`: the processor reports one we do not know (e.g. a late authorization); `amount_mismatch`: captured or refunded amounts differ.',
    }),
    processor: Type.String(),
    payment_id: Nullable(Type.String()),
    processor_payment_id: Nullable(Type.String()),
    reference: Nullable(Type.String()),
    currency: Nullable(Type.String()),
    expected_captured: Nullable(Type.Integer()),
    actual_captured: Nullable(Type.Integer()),
    expected_refunded: Nullable(Type.Integer()),
    actual_refunded: Nullable(Type.Integer()),
  },
  { $id: 'ReconciliationFinding' },
);
export type ReconciliationFinding = Static<typeof ReconciliationFinding>;

export const ReconciliationRun = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('reconciliation_run'),
    status: StringEnum(['completed', 'partial'], { description: '`partial`: some processor reports could not be fetched (see `errors`).' }),
    trigger: StringEnum(['api', 'schedule']),
    processors: Type.Array(Type.String()),
    errors: Type.Array(Type.Object({ processor: Type.String(), detail: Type.String() })),
    payments_checked: Type.Integer(),
    entries_checked: Type.Integer(),
    summary: Type.Object({ missing: Type.Integer(), extra: Type.Integer(), amount_mismatch: Type.Integer() }),
    findings: Type.Array(Type.Ref(ReconciliationFinding)),
    started_at: Timestamp,
    finished_at: Timestamp,
  },
  { $id: 'ReconciliationRun' },
);
export type ReconciliationRun = Static<typeof ReconciliationRun> & { findings: ReconciliationFinding[] };

/** Shared schemas to register with `app.addSchema`. */
export const PAYMENT_SCHEMAS = [PaymentAttempt, Payment, Refund, ReconciliationFinding, ReconciliationRun];
