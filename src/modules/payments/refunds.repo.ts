import type { Queryable } from '../../platform/db/database.js';

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface RefundRow {
  id: string;
  payment_id: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string | null;
  idempotency_ref: string | null;
  processor_refund_id: string | null;
  failure_code: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, payment_id, amount, currency, status, reason, idempotency_ref, processor_refund_id, failure_code, created_at, updated_at';

/**
 * Inserts a `pending` refund and reserves its amount on the payment (amount_refunded), in one
 * statement. Going past the capture fails the whole statement with the payments CHECK (23514).
 */
export async function insertRefundReserving(db: Queryable, row: Pick<RefundRow, 'id' | 'payment_id' | 'amount' | 'currency' | 'reason' | 'idempotency_ref'> & { now: Date }): Promise<RefundRow> {
  const { rows } = await db.query<RefundRow>(
    `WITH reserve AS (
       UPDATE payments SET amount_refunded = amount_refunded + $3, updated_at = $7 WHERE id = $2
     )
     INSERT INTO refunds (id, payment_id, amount, currency, status, reason, idempotency_ref, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $7) RETURNING ${COLUMNS}`,
    [row.id, row.payment_id, row.amount, row.currency, row.reason, row.idempotency_ref, row.now],
    'refunds_insert_reserving',
  );
  return rows[0]!;
}

/** One refund by id. */
export async function findRefund(db: Queryable, id: string): Promise<RefundRow | undefined> {
  const { rows } = await db.query<RefundRow>(`SELECT ${COLUMNS} FROM refunds WHERE id = $1`, [id]);
  return rows[0];
}

/** The refund a caller created with this idempotency reference, if any. */
export async function findRefundByRef(db: Queryable, paymentId: string, ref: string): Promise<RefundRow | undefined> {
  const { rows } = await db.query<RefundRow>(`SELECT ${COLUMNS} FROM refunds WHERE payment_id = $1 AND idempotency_ref = $2`, [paymentId, ref], 'refunds_find_by_ref');
  return rows[0];
}

/** A payment's refunds, oldest first. */
export async function refundsOf(db: Queryable, paymentId: string): Promise<RefundRow[]> {
  const { rows } = await db.query<RefundRow>(`SELECT ${COLUMNS} FROM refunds WHERE payment_id = $1 ORDER BY id`, [paymentId]);
  return rows;
}

/** Settles a pending refund; returns undefined when it was no longer pending (settled by someone else). */
export async function settleRefund(
  db: Queryable,
  id: string,
  outcome: { status: 'succeeded'; processor_refund_id: string } | { status: 'failed'; failure_code: string },
  now: Date,
): Promise<RefundRow | undefined> {
  const { rows } = await db.query<RefundRow>(
    `UPDATE refunds SET status = $2, processor_refund_id = $3, failure_code = $4, updated_at = $5
      WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
    [id, outcome.status, outcome.status === 'succeeded' ? outcome.processor_refund_id : null, outcome.status === 'failed' ? outcome.failure_code : null, now],
    'refunds_settle',
  );
  return rows[0];
}
