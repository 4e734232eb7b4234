import type { Queryable } from '../../platform/db/database.js';
import type { SignalType } from './signals.schemas.js';

/** A signal as stored. */
export interface SignalRow {
  id: string;
  type: SignalType;
  product_id: string;
  customer_id: string | null;
  anonymous_id: string | null;
  occurred_at: Date;
}

/**
 * Stores `signals` in one statement; an id already stored (or repeated in the list) is skipped.
 * Returns how many rows were written.
 */
export async function insertSignals(db: Queryable, signals: readonly SignalRow[], receivedAt: Date): Promise<number> {
  if (signals.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO signals (id, type, product_id, customer_id, anonymous_id, occurred_at, received_at)
     SELECT s.id, s.type, s.product_id, s.customer_id, s.anonymous_id, s.occurred_at, $7
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS s(id, type, product_id, customer_id, anonymous_id, occurred_at)
     ON CONFLICT (id) DO NOTHING`,
    [
      signals.map((s) => s.id),
      signals.map((s) => s.type),
      signals.map((s) => s.product_id),
      signals.map((s) => s.customer_id),
      signals.map((s) => s.anonymous_id),
      signals.map((s) => s.occurred_at),
      receivedAt,
    ],
    'personalization_insert_signals',
  );
  return rowCount ?? 0;
}
