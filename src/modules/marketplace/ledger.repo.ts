import type { Queryable } from '../../platform/db/database.js';
import type { EntryKind, LedgerAccount } from './ledger.rules.js';

/** One posting's header: its idempotency key is (source, source_id, kind). */
export interface PostingRow {
  id: string;
  source: 'seller_order' | 'payout';
  source_id: string;
  kind: string;
  settlement_run_id: string | null;
  created_at: Date;
}

export interface EntryRow {
  account: LedgerAccount;
  seller_id: string | null;
  currency: string;
  amount: number;
  kind: EntryKind;
  seller_order_id: string | null;
  payout_id: string | null;
}

/** What the ledger reads of a seller order (the marketplace's own table). */
export interface SellerOrderFacts {
  id: string;
  order_id: string;
  seller_id: string;
  currency: string;
  goods_amount: number;
  shipping_amount: number;
  shipping_payee: 'seller' | 'platform';
  commission_amount: number;
  amount_refunded: number;
  delivered_at: Date | null;
}

const FACTS = 'id, order_id, seller_id, currency, goods_amount, shipping_amount, shipping_payee, commission_amount, amount_refunded, delivered_at';

/**
 * Writes a posting and its entries, unless a posting with the same key exists: then nothing is
 * written and false is returned (a redispatch, a retried run). The caller checked the entries
 * with assertBalanced; zero legs are not written.
 */
export async function insertPosting(tx: Queryable, p: PostingRow, entries: readonly EntryRow[]): Promise<boolean> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO ledger_transactions (id, source, source_id, kind, settlement_run_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (source, source_id, kind) DO NOTHING RETURNING id`,
    [p.id, p.source, p.source_id, p.kind, p.settlement_run_id, p.created_at],
    'ledger_posting_insert',
  );
  if (!rows[0]) return false;
  const legs = entries.filter((e) => e.amount !== 0);
  if (legs.length) {
    await tx.query(
      `INSERT INTO ledger_entries (txn_id, account, seller_id, currency, amount, kind, seller_order_id, payout_id, settlement_run_id, created_at)
       SELECT $1, e.account, e.seller_id, e.currency, e.amount, e.kind, e.seller_order_id, e.payout_id, $2, $3
         FROM unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[])
           AS e(account, seller_id, currency, amount, kind, seller_order_id, payout_id)`,
      [
        p.id,
        p.settlement_run_id,
        p.created_at,
        legs.map((e) => e.account),
        legs.map((e) => e.seller_id),
        legs.map((e) => e.currency),
        legs.map((e) => e.amount),
        legs.map((e) => e.kind),
        legs.map((e) => e.seller_order_id),
        legs.map((e) => e.payout_id),
      ],
      'ledger_entries_insert',
    );
  }
  return true;
}

export async function hasPosting(tx: Queryable, source: PostingRow['source'], sourceId: string, kind: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM ledger_transactions WHERE source = $1 AND source_id = $2 AND kind = $3', [source, sourceId, kind]);
  return rows.length > 0;
}

/** A seller order's facts; `lock` takes its row for the rest of the transaction (refunds and chargebacks serialize on it). */
export async function sellerOrderFacts(tx: Queryable, id: string, lock = false): Promise<SellerOrderFacts | undefined> {
  const { rows } = await tx.query<SellerOrderFacts>(`SELECT ${FACTS} FROM seller_orders WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

/** The seller orders of an order, locked, in id order (so two transactions lock them alike). */
export async function sellerOrdersOfOrder(tx: Queryable, orderId: string): Promise<SellerOrderFacts[]> {
  const { rows } = await tx.query<SellerOrderFacts>(`SELECT ${FACTS} FROM seller_orders WHERE order_id = $1 ORDER BY id FOR UPDATE`, [orderId]);
  return rows;
}

/** The lines of these seller orders, with their amounts (goods net of discount, without tax). */
export async function sellerOrderLines(tx: Queryable, sellerOrderIds: readonly string[]): Promise<{ seller_order_id: string; order_line_id: string; amount: number }[]> {
  if (!sellerOrderIds.length) return [];
  const { rows } = await tx.query<{ seller_order_id: string; order_line_id: string; amount: number }>(
    'SELECT seller_order_id, order_line_id, amount FROM seller_order_lines WHERE seller_order_id = ANY($1::text[])',
    [sellerOrderIds],
  );
  return rows;
}

export async function addRefunded(tx: Queryable, id: string, amount: number, now: Date): Promise<void> {
  await tx.query('UPDATE seller_orders SET amount_refunded = amount_refunded + $2, updated_at = $3 WHERE id = $1', [id, amount, now]);
}

/** What chargebacks took back of a seller order so far. */
export async function chargedBack(tx: Queryable, sellerOrderId: string): Promise<number> {
  const { rows } = await tx.query<{ total: number }>('SELECT COALESCE(SUM(amount), 0)::bigint AS total FROM chargebacks WHERE seller_order_id = $1', [sellerOrderId]);
  return rows[0]?.total ?? 0;
}

export interface ChargebackRow {
  id: string;
  seller_order_id: string;
  seller_id: string;
  currency: string;
  amount: number;
  returned_before: number;
  reason: string | null;
  created_at: Date;
}

export async function insertChargeback(tx: Queryable, c: ChargebackRow): Promise<void> {
  await tx.query('INSERT INTO chargebacks (id, seller_order_id, seller_id, currency, amount, returned_before, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    c.id,
    c.seller_order_id,
    c.seller_id,
    c.currency,
    c.amount,
    c.returned_before,
    c.reason,
    c.created_at,
  ]);
}

/** A seller's balances per currency, summed from entries: pending, available. */
export async function sellerBalances(db: Queryable, sellerId: string): Promise<{ currency: string; pending: number; available: number }[]> {
  const { rows } = await db.query<{ currency: string; pending: number; available: number }>(
    `SELECT currency,
            COALESCE(SUM(amount) FILTER (WHERE account = 'seller:' || seller_id || ':pending'), 0)::bigint AS pending,
            COALESCE(SUM(amount) FILTER (WHERE account = 'seller:' || seller_id || ':available'), 0)::bigint AS available
       FROM ledger_entries WHERE seller_id = $1 GROUP BY currency ORDER BY currency`,
    [sellerId],
  );
  return rows;
}

/** Every account's balance per currency (tests, reconciliation). */
export async function accountBalances(db: Queryable): Promise<{ account: string; currency: string; amount: number }[]> {
  const { rows } = await db.query<{ account: string; currency: string; amount: number }>(
    'SELECT account, currency, SUM(amount)::bigint AS amount FROM ledger_entries GROUP BY account, currency ORDER BY currency, account',
  );
  return rows;
}

