import type { Queryable } from '../../platform/db/database.js';

/**
 * One difference the reconciliation found:
 * - `seller_balance`: for a seller and currency, what the ledger holds for them plus what was paid
 *   out (`actual`) differs from what their seller orders say they earned (`expected`);
 * - `payout_entries`: a payout's amount differs from its ledger entries;
 * - `unbalanced_posting`: a posting's entries do not sum to zero;
 * - `ledger_unbalanced`: the whole ledger does not sum to zero in a currency.
 */
export interface Finding {
  type: 'seller_balance' | 'payout_entries' | 'unbalanced_posting' | 'ledger_unbalanced';
  seller_id: string | null;
  currency: string;
  reference: string | null;
  expected: number;
  actual: number;
  difference: number;
}

/** Half-up commission on the first `g` units of goods (ledger.rules.ts commissionOnFirst), in SQL. */
const C = (commission: string, goods: string, g: string) => `(CASE WHEN ${goods} = 0 THEN 0 ELSE floor((2::numeric * ${commission} * ${g} + ${goods}) / (2::numeric * ${goods})) END)`;

/**
 * Per seller and currency, computed from the seller orders and chargebacks alone: goods (+
 * shipping the seller ships) − commission − what refunds and chargebacks gave back + the
 * commission refunds reversed (chargebacks reverse none). Only seller orders whose sale is posted.
 */
const EXPECTED = `
  WITH cb AS (
    SELECT c.seller_order_id, SUM(c.amount) AS amount,
           SUM(${C('x.commission_amount', 'x.goods_amount', 'LEAST(c.returned_before + c.amount, x.goods_amount)')}
             - ${C('x.commission_amount', 'x.goods_amount', 'LEAST(c.returned_before, x.goods_amount)')}) AS kept
      FROM chargebacks c JOIN seller_orders x ON x.id = c.seller_order_id
     GROUP BY c.seller_order_id
  ), so AS (
    SELECT so.seller_id, so.currency, so.goods_amount AS g, so.shipping_amount AS s, so.shipping_payee = 'seller' AS ships,
           so.commission_amount AS c, so.amount_refunded + COALESCE(cb.amount, 0) AS ret, COALESCE(cb.kept, 0) AS kept
      FROM seller_orders so LEFT JOIN cb ON cb.seller_order_id = so.id
     WHERE EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.source = 'seller_order' AND t.source_id = so.id AND t.kind = 'sale')
  )
  SELECT seller_id, currency,
         SUM(g + CASE WHEN ships THEN s ELSE 0 END
             - LEAST(ret, g) - CASE WHEN ships THEN ret - LEAST(ret, g) ELSE 0 END
             - c + ${C('c', 'g', 'LEAST(ret, g)')} - kept)::bigint AS amount
    FROM so GROUP BY seller_id, currency`;

/** Per seller and currency, from the ledger and the payouts table: pending + available + paid out. */
const ACTUAL = `
  WITH held AS (
    SELECT seller_id, currency, SUM(amount) AS amount FROM ledger_entries WHERE seller_id IS NOT NULL GROUP BY seller_id, currency
  ), paid AS (
    SELECT seller_id, currency, SUM(amount) AS amount FROM payouts GROUP BY seller_id, currency
  )
  SELECT COALESCE(h.seller_id, p.seller_id) AS seller_id, COALESCE(h.currency, p.currency) AS currency,
         (COALESCE(h.amount, 0) + COALESCE(p.amount, 0))::bigint AS amount
    FROM held h FULL JOIN paid p ON p.seller_id = h.seller_id AND p.currency = h.currency`;

/**
 * Reconciles the seller ledger with the seller orders it was posted from and with the payouts,
 * computing both sides independently, and returns every difference (none when all agree).
 * Read-only; runs at the end of every settlement run and on demand.
 */
export async function reconcile(db: Queryable): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { rows: sellers } = await db.query<{ seller_id: string; currency: string; expected: number; actual: number }>(
    `SELECT COALESCE(x.seller_id, a.seller_id) AS seller_id, COALESCE(x.currency, a.currency) AS currency,
            COALESCE(x.amount, 0)::bigint AS expected, COALESCE(a.amount, 0)::bigint AS actual
       FROM (${EXPECTED}) x FULL JOIN (${ACTUAL}) a ON a.seller_id = x.seller_id AND a.currency = x.currency
      WHERE COALESCE(x.amount, 0) <> COALESCE(a.amount, 0)
      ORDER BY 1, 2`,
    [],
    'reconcile_sellers',
  );
  for (const r of sellers) findings.push({ type: 'seller_balance', seller_id: r.seller_id, currency: r.currency.trim(), reference: null, expected: r.expected, actual: r.actual, difference: r.actual - r.expected });

  const { rows: payouts } = await db.query<{ id: string; seller_id: string; currency: string; expected: number; actual: number }>(
    `SELECT p.id, p.seller_id, p.currency, p.amount AS expected, COALESCE(SUM(e.amount), 0)::bigint AS actual
       FROM payouts p LEFT JOIN ledger_entries e ON e.payout_id = p.id AND e.account = 'platform:payouts'
      GROUP BY p.id, p.seller_id, p.currency, p.amount HAVING p.amount <> COALESCE(SUM(e.amount), 0)
      ORDER BY p.id`,
    [],
    'reconcile_payouts',
  );
  for (const r of payouts) findings.push({ type: 'payout_entries', seller_id: r.seller_id, currency: r.currency.trim(), reference: r.id, expected: r.expected, actual: r.actual, difference: r.actual - r.expected });

  const { rows: postings } = await db.query<{ txn_id: string; currency: string; sum: number }>(
    'SELECT txn_id, currency, SUM(amount)::bigint AS sum FROM ledger_entries GROUP BY txn_id, currency HAVING SUM(amount) <> 0 ORDER BY txn_id LIMIT 1000',
    [],
    'reconcile_postings',
  );
  for (const r of postings) findings.push({ type: 'unbalanced_posting', seller_id: null, currency: r.currency.trim(), reference: r.txn_id, expected: 0, actual: r.sum, difference: r.sum });

  const { rows: totals } = await db.query<{ currency: string; sum: number }>(
    'SELECT currency, SUM(amount)::bigint AS sum FROM ledger_entries GROUP BY currency HAVING SUM(amount) <> 0 ORDER BY currency',
    [],
    'reconcile_totals',
  );
  for (const r of totals) findings.push({ type: 'ledger_unbalanced', seller_id: null, currency: r.currency.trim(), reference: null, expected: 0, actual: r.sum, difference: r.sum });
  return findings;
}
