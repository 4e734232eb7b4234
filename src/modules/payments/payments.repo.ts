import type { Queryable } from '../../platform/db/database.js';
import { eventCtes, eventParams, type EventEnvelope } from '../../platform/events/outbox.js';
import { setClause } from '../../platform/db/sql.js';
import type { PaymentStatus } from './payments.status.js';
import type { AttemptOutcome, AttemptRecord } from './router.js';

export interface PaymentRow {
  id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  capture_method: 'automatic' | 'manual';
  processor: string | null;
  processor_payment_id: string | null;
  amount_capturable: number;
  amount_captured: number;
  amount_refunded: number;
  last_decline_code: string | null;
  cart_id: string | null;
  order_id: string | null;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  payment_id: string;
  number: number;
  reference: string;
  processor: string;
  outcome: AttemptOutcome;
  decline_code: string | null;
  latency_ms: number | null;
  processor_payment_id: string | null;
  detail: string | null;
  started_at: Date;
}

const COLUMNS =
  'id, amount, currency, status, capture_method, processor, processor_payment_id, amount_capturable, amount_captured, amount_refunded, last_decline_code, cart_id, order_id, metadata, created_at, updated_at';

/** Inserts a new payment (status `processing` when its attempts start at once). */
export async function insertPayment(
  db: Queryable,
  row: Pick<PaymentRow, 'id' | 'amount' | 'currency' | 'status' | 'capture_method' | 'cart_id' | 'order_id' | 'metadata'> & { now: Date },
): Promise<PaymentRow> {
  const { rows } = await db.query<PaymentRow>(
    `INSERT INTO payments (id, amount, currency, status, capture_method, cart_id, order_id, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${COLUMNS}`,
    [row.id, row.amount, row.currency, row.status, row.capture_method, row.cart_id, row.order_id, row.metadata, row.now],
  );
  return rows[0]!;
}

/** One payment; `lock` takes its row lock (FOR UPDATE) until the transaction ends. */
export async function findPayment(db: Queryable, id: string, lock = false): Promise<PaymentRow | undefined> {
  const { rows } = lock
    ? await db.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE id = $1 FOR UPDATE`, [id], 'payments_find_locked')
    : await db.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE id = $1`, [id], 'payments_find');
  return rows[0];
}

/** One payment with its attempts (by number), in one query. */
export async function findPaymentWithAttempts(db: Queryable, id: string): Promise<{ payment: PaymentRow; attempts: AttemptRow[] } | undefined> {
  const { rows } = await db.query<PaymentRow & { attempts: Array<Omit<AttemptRow, 'started_at'> & { started_at: string }> }>(
    `SELECT ${COLUMNS},
            COALESCE((SELECT json_agg(a ORDER BY a.number) FROM payment_attempts a WHERE a.payment_id = payments.id), '[]'::json) AS attempts
       FROM payments WHERE id = $1`,
    [id],
    'payments_find_with_attempts',
  );
  const row = rows[0];
  if (!row) return undefined;
  const { attempts, ...payment } = row;
  // json_agg turns timestamps into ISO strings with an offset; everything else keeps its JSON type.
  return { payment, attempts: attempts.map((a) => ({ ...a, started_at: new Date(a.started_at) })) };
}

/** A page of payments, newest first (`id < after`), optionally filtered. */
export async function pagePayments(
  db: Queryable,
  after: string | undefined,
  limit: number,
  filter: { cart_id?: string; order_id?: string; status?: PaymentStatus },
): Promise<PaymentRow[]> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payments
      WHERE ($1::text IS NULL OR id < $1) AND ($2::text IS NULL OR cart_id = $2) AND ($3::text IS NULL OR order_id = $3) AND ($4::text IS NULL OR status = $4)
      ORDER BY id DESC LIMIT $5`,
    [after ?? null, filter.cart_id ?? null, filter.order_id ?? null, filter.status ?? null, limit],
  );
  return rows;
}

export type PaymentPatch = Partial<Pick<PaymentRow, 'status' | 'processor' | 'processor_payment_id' | 'amount_capturable' | 'amount_captured' | 'amount_refunded' | 'last_decline_code' | 'order_id'>>;

/**
 * Updates the given fields and `updated_at`; returns the row. `events` are written by the same
 * statement (the caller wakes the dispatcher with `notifyAfterCommit`).
 */
export async function updatePayment(db: Queryable, id: string, patch: PaymentPatch, now: Date, events: readonly EventEnvelope[] = []): Promise<PaymentRow> {
  const set = setClause(patch, 3);
  const first = 3 + set.values.length;
  const { rows } = await db.query<PaymentRow>(
    `${events.length ? `WITH ${eventCtes(first)} ` : ''}UPDATE payments SET ${set.sql ? `${set.sql}, ` : ''}updated_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, now, ...set.values, ...(events.length ? eventParams(events) : [])],
  );
  return rows[0]!;
}

/** Adds `delta` (negative to release) to amount_refunded; the table's CHECK refuses going past amount_captured. */
export async function addRefunded(db: Queryable, id: string, delta: number, now: Date): Promise<void> {
  await db.query('UPDATE payments SET amount_refunded = amount_refunded + $2, updated_at = $3 WHERE id = $1', [id, delta, now]);
}

const ATTEMPT_COLUMNS = 'payment_id, number, reference, processor, outcome, decline_code, latency_ms, processor_payment_id, detail, started_at';
const ATTEMPT_UPSERT = `ON CONFLICT (payment_id, number) DO UPDATE SET outcome = EXCLUDED.outcome, decline_code = EXCLUDED.decline_code,
  latency_ms = EXCLUDED.latency_ms, processor_payment_id = EXCLUDED.processor_payment_id, detail = EXCLUDED.detail`;

/** `($first, …, $first+9)`: the placeholders of one attempt, in ATTEMPT_COLUMNS order. */
const attemptPlaceholders = (first: number) => `(${Array.from({ length: 10 }, (_, i) => `$${first + i}`).join(', ')})`;
const attemptValues = (paymentId: string, a: AttemptRecord) => [paymentId, a.number, a.reference, a.processor, a.outcome, a.declineCode, a.latencyMs, a.processorPaymentId, a.detail, a.startedAt];

/** An attempt as it is stored, from the router's record of it. */
export function attemptRow(paymentId: string, a: AttemptRecord): AttemptRow {
  return {
    payment_id: paymentId,
    number: a.number,
    reference: a.reference,
    processor: a.processor,
    outcome: a.outcome,
    decline_code: a.declineCode,
    latency_ms: a.latencyMs,
    processor_payment_id: a.processorPaymentId,
    detail: a.detail,
    started_at: a.startedAt,
  };
}

/** Writes attempts, new (`pending`) or with their outcome, in one statement. */
export async function saveAttempts(db: Queryable, paymentId: string, attempts: readonly AttemptRecord[]): Promise<void> {
  if (!attempts.length) return;
  await db.query(
    `INSERT INTO payment_attempts (${ATTEMPT_COLUMNS}) VALUES ${attempts.map((_, i) => attemptPlaceholders(1 + 10 * i)).join(', ')} ${ATTEMPT_UPSERT}`,
    attempts.flatMap((a) => attemptValues(paymentId, a)),
    attempts.length <= 2 ? `payments_save_attempts_${attempts.length}` : undefined,
  );
}

/** A new payment, before its first attempt. */
export type NewPayment = Pick<PaymentRow, 'id' | 'amount' | 'currency' | 'capture_method' | 'cart_id' | 'order_id' | 'metadata'> & { now: Date };

/**
 * Inserts a `processing` payment and its first attempt (`pending`) in one statement: both or
 * neither exist, and the attempt is stored before its request goes out.
 */
export async function insertPaymentWithAttempt(db: Queryable, p: NewPayment, first: AttemptRecord): Promise<PaymentRow> {
  const { rows } = await db.query<PaymentRow>(
    `WITH payment AS (
       INSERT INTO payments (id, amount, currency, status, capture_method, cart_id, order_id, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, 'processing', $4, $5, $6, $7, $8, $8) RETURNING ${COLUMNS}
     ), attempt AS (
       INSERT INTO payment_attempts (${ATTEMPT_COLUMNS}) VALUES ${attemptPlaceholders(9)}
     )
     SELECT ${COLUMNS} FROM payment`,
    [p.id, p.amount, p.currency, p.capture_method, p.cart_id, p.order_id, p.metadata, p.now, ...attemptValues(p.id, first)],
    'payments_insert_with_attempt',
  );
  return rows[0]!;
}

/** Where an authorisation left a payment: every field `authorize` decides, set at once. */
export type Settlement = Pick<PaymentRow, 'status' | 'processor' | 'processor_payment_id' | 'amount_captured' | 'amount_capturable' | 'last_decline_code'>;

/**
 * Writes a payment's settlement, its last attempt's outcome and `events` (none, or the event the
 * settlement announces) in one statement; returns the payment.
 */
export async function settlePayment(db: Queryable, id: string, s: Settlement, last: AttemptRecord, now: Date, events: readonly EventEnvelope[]): Promise<PaymentRow> {
  const { rows } = await db.query<PaymentRow>(
    `WITH attempt AS (
       INSERT INTO payment_attempts (${ATTEMPT_COLUMNS}) VALUES ${attemptPlaceholders(9)} ${ATTEMPT_UPSERT}
     ), ${eventCtes(19)}
     UPDATE payments SET status = $2, processor = $3, processor_payment_id = $4, amount_captured = $5, amount_capturable = $6, last_decline_code = $7, updated_at = $8
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, s.status, s.processor, s.processor_payment_id, s.amount_captured, s.amount_capturable, s.last_decline_code, now, ...attemptValues(id, last), ...eventParams(events)],
    'payments_settle',
  );
  return rows[0]!;
}

/** The attempts of some payments, by payment then number. */
export async function attemptsOf(db: Queryable, paymentIds: readonly string[]): Promise<AttemptRow[]> {
  if (!paymentIds.length) return [];
  const { rows } = await db.query<AttemptRow>(
    `SELECT ${ATTEMPT_COLUMNS} FROM payment_attempts WHERE payment_id = ANY($1) ORDER BY payment_id, number`,
    [paymentIds],
  );
  return rows;
}

/** Payments left `processing` longer than `olderThan` ago: their attempts need a lookup. */
export async function stuckProcessing(db: Queryable, olderThan: Date, limit: number): Promise<PaymentRow[]> {
  const { rows } = await db.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE status = 'processing' AND created_at < $1 ORDER BY created_at LIMIT $2`, [olderThan, limit]);
  return rows;
}

/** A payment as reconciliation compares it: what we believe the processor holds. */
export interface BookedAuthorization {
  payment_id: string;
  processor: string;
  processor_payment_id: string;
  reference: string | null;
  currency: string;
  amount_captured: number;
  /** Refunds the processor confirmed; pending ones are not counted. */
  amount_refunded: number;
}

/** Every payment that holds an authorization at a processor, with its confirmed refunds. */
export async function bookedAuthorizations(db: Queryable): Promise<BookedAuthorization[]> {
  const { rows } = await db.query<BookedAuthorization>(
    `SELECT p.id AS payment_id, p.processor, p.processor_payment_id, p.currency, p.amount_captured,
            (SELECT a.reference FROM payment_attempts a WHERE a.payment_id = p.id AND a.processor_payment_id = p.processor_payment_id ORDER BY a.number LIMIT 1) AS reference,
            COALESCE((SELECT sum(r.amount) FROM refunds r WHERE r.payment_id = p.id AND r.status = 'succeeded'), 0)::bigint AS amount_refunded
       FROM payments p WHERE p.processor IS NOT NULL AND p.processor_payment_id IS NOT NULL ORDER BY p.id`,
  );
  return rows;
}

/**
 * Payments that hold money for no order: authorised, or captured and not fully refunded, with no
 * order linked, last changed before `before`.
 */
export async function orphaned(db: Queryable, before: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM payments
     WHERE order_id IS NULL AND updated_at < $1
       AND (status = 'requires_capture' OR (status = 'succeeded' AND amount_refunded < amount_captured))
     ORDER BY updated_at LIMIT $2`,
    [before, limit],
  );
  return rows.map((r) => r.id);
}
