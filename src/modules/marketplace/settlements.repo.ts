import type { Queryable } from '../../platform/db/database.js';

export interface RunRow {
  id: string;
  period: string;
  cutoff: Date;
  trigger: 'api' | 'schedule';
  released_count: number;
  findings: unknown[];
  created_at: Date;
}

export interface PayoutRow {
  id: string;
  settlement_run_id: string;
  seller_id: string;
  seller_name: string | null;
  currency: string;
  amount: number;
  status: 'pending' | 'paid' | 'failed';
  entries_count: number;
  created_at: Date;
}

const RUN = "id, to_char(period, 'YYYY-MM-DD') AS period, cutoff, trigger, released_count, findings, created_at";
const PAYOUT = 'p.id, p.settlement_run_id, p.seller_id, s.name AS seller_name, p.currency, p.amount, p.status, p.entries_count, p.created_at';

/**
 * Serializes settlement runs of one environment (schema) until the transaction ends: two runs,
 * for one period or two, never pay the same available balance twice.
 */
export async function lockSettlements(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('tessera.settlements.' || current_schema()))");
  // a batch over the whole ledger: room to hash and sort in memory, and no JIT compilation, which
  // cost more than it saved on these statements (bench/settlements.js)
  await tx.query("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)");
}

export async function runByPeriod(tx: Queryable, period: string): Promise<RunRow | undefined> {
  const { rows } = await tx.query<RunRow>(`SELECT ${RUN} FROM settlement_runs WHERE period = $1`, [period]);
  return rows[0];
}

export async function runById(db: Queryable, id: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN} FROM settlement_runs WHERE id = $1`, [id]);
  return rows[0];
}

export async function insertRun(tx: Queryable, r: Omit<RunRow, 'released_count' | 'findings'>): Promise<void> {
  await tx.query('INSERT INTO settlement_runs (id, period, cutoff, trigger, created_at) VALUES ($1, $2, $3, $4, $5)', [r.id, r.period, r.cutoff, r.trigger, r.created_at]);
}

export async function finishRun(tx: Queryable, id: string, releasedCount: number, findings: readonly unknown[]): Promise<void> {
  await tx.query('UPDATE settlement_runs SET released_count = $2, findings = $3 WHERE id = $1', [id, releasedCount, JSON.stringify(findings)]);
}

/** Runs newest first, after the cursor (a run id). */
export async function pageRuns(db: Queryable, startingAfter: string | undefined, limit: number): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT ${RUN} FROM settlement_runs
      WHERE ($1::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM settlement_runs WHERE id = $1))
      ORDER BY created_at DESC, id DESC LIMIT $2`,
    [startingAfter ?? null, limit],
  );
  return rows;
}

/**
 * Releases, in one statement, every seller order delivered at or before `cutoff` whose sale is
 * posted and that was not released yet: one posting per seller order (key `release`, so never
 * twice) moving what its sale left in pending funds (sale − commission + shipping − refunds and
 * chargebacks taken from pending) to available. A seller order with nothing left is marked
 * released all the same. Returns how many were released.
 */
export async function releaseDue(tx: Queryable, runId: string, cutoff: Date, now: Date): Promise<number> {
  const { rows } = await tx.query<{ released: number }>(
    `WITH due AS (
       SELECT so.id, so.seller_id, so.currency FROM seller_orders so
        WHERE so.delivered_at IS NOT NULL AND so.delivered_at <= $2
          AND EXISTS (SELECT 1 FROM ledger_transactions s WHERE s.source = 'seller_order' AND s.source_id = so.id AND s.kind = 'sale')
          AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.source = 'seller_order' AND r.source_id = so.id AND r.kind = 'release')
     ), posted AS (
       INSERT INTO ledger_transactions (id, source, source_id, kind, settlement_run_id, created_at)
       SELECT 'ltx_release_' || d.id, 'seller_order', d.id, 'release', $1, $3 FROM due d
       ON CONFLICT (source, source_id, kind) DO NOTHING
       RETURNING id, source_id
     ), net AS (
       SELECT p.id AS txn_id, d.id, d.seller_id, d.currency, COALESCE(SUM(e.amount), 0)::bigint AS amount
         FROM posted p JOIN due d ON d.id = p.source_id
         LEFT JOIN ledger_entries e ON e.seller_order_id = d.id AND e.account = 'seller:' || d.seller_id || ':pending'
        GROUP BY p.id, d.id, d.seller_id, d.currency
     ), legs AS (
       INSERT INTO ledger_entries (txn_id, account, seller_id, currency, amount, kind, seller_order_id, settlement_run_id, created_at)
       SELECT n.txn_id, 'seller:' || n.seller_id || ':' || v.bucket, n.seller_id, n.currency, v.sign * n.amount, 'release', n.id, $1, $3
         FROM net n CROSS JOIN (VALUES ('pending', -1), ('available', 1)) AS v(bucket, sign)
        WHERE n.amount > 0
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM posted)::int AS released, (SELECT count(*) FROM legs)::int AS legs`,
    [runId, cutoff, now],
    'settlements_release',
  );
  return rows[0]?.released ?? 0;
}

/**
 * What to pay: every active seller's positive available balance per currency, with the number of
 * available-account entries since the seller's last payout in that currency. One GROUP BY.
 */
export async function payable(tx: Queryable): Promise<{ seller_id: string; seller_name: string; currency: string; amount: number; entries: number }[]> {
  const { rows } = await tx.query<{ seller_id: string; seller_name: string; currency: string; amount: number; entries: number }>(
    `WITH avail AS (
       SELECT e.id, e.seller_id, e.currency, e.amount, e.kind FROM ledger_entries e
        WHERE e.seller_id IS NOT NULL AND e.account = 'seller:' || e.seller_id || ':available'
     ), last AS (
       SELECT seller_id, currency, max(id) AS id FROM avail WHERE kind = 'payout' GROUP BY seller_id, currency
     )
     SELECT a.seller_id, s.name AS seller_name, a.currency, SUM(a.amount)::bigint AS amount, (count(*) FILTER (WHERE a.id > COALESCE(l.id, 0)))::int AS entries
       FROM avail a
       JOIN sellers s ON s.id = a.seller_id AND s.status = 'active'
       LEFT JOIN last l ON l.seller_id = a.seller_id AND l.currency = a.currency
      GROUP BY a.seller_id, s.name, a.currency
     HAVING SUM(a.amount) > 0
      ORDER BY a.seller_id, a.currency`,
    [],
    'settlements_payable',
  );
  return rows;
}

export async function insertPayouts(tx: Queryable, payouts: readonly Omit<PayoutRow, 'seller_name'>[]): Promise<void> {
  if (!payouts.length) return;
  await tx.query(
    `INSERT INTO payouts (id, settlement_run_id, seller_id, currency, amount, status, entries_count, created_at)
     SELECT p.id, p.run, p.seller_id, p.currency, p.amount, p.status, p.entries, p.created_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::int[], $8::timestamptz[])
         AS p(id, run, seller_id, currency, amount, status, entries, created_at)`,
    [
      payouts.map((p) => p.id),
      payouts.map((p) => p.settlement_run_id),
      payouts.map((p) => p.seller_id),
      payouts.map((p) => p.currency),
      payouts.map((p) => p.amount),
      payouts.map((p) => p.status),
      payouts.map((p) => p.entries_count),
      payouts.map((p) => p.created_at),
    ],
    'payouts_insert',
  );
}

/** Postings written in bulk (payouts): headers, then entries linked by txn id. Keys are new ids, so no conflicts. */
export async function insertPostingsBulk(
  tx: Queryable,
  runId: string,
  now: Date,
  postings: readonly { id: string; source: string; source_id: string; kind: string }[],
  entries: readonly { txn_id: string; account: string; seller_id: string | null; currency: string; amount: number; kind: string; payout_id: string | null }[],
): Promise<void> {
  if (!postings.length) return;
  await tx.query(
    `INSERT INTO ledger_transactions (id, source, source_id, kind, settlement_run_id, created_at)
     SELECT t.id, t.source, t.source_id, t.kind, $5, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(id, source, source_id, kind)`,
    [postings.map((p) => p.id), postings.map((p) => p.source), postings.map((p) => p.source_id), postings.map((p) => p.kind), runId, now],
    'ledger_postings_bulk',
  );
  await tx.query(
    `INSERT INTO ledger_entries (txn_id, account, seller_id, currency, amount, kind, payout_id, settlement_run_id, created_at)
     SELECT e.txn_id, e.account, e.seller_id, e.currency, e.amount, e.kind, e.payout_id, $8, $9
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS e(txn_id, account, seller_id, currency, amount, kind, payout_id)`,
    [
      entries.map((e) => e.txn_id),
      entries.map((e) => e.account),
      entries.map((e) => e.seller_id),
      entries.map((e) => e.currency),
      entries.map((e) => e.amount),
      entries.map((e) => e.kind),
      entries.map((e) => e.payout_id),
      runId,
      now,
    ],
    'ledger_entries_bulk',
  );
}

/** The currencies in which what a run wrote does not sum to zero (must be none). */
export async function unbalancedInRun(tx: Queryable, runId: string): Promise<{ currency: string; sum: number }[]> {
  const { rows } = await tx.query<{ currency: string; sum: number }>(
    'SELECT currency, SUM(amount)::bigint AS sum FROM ledger_entries WHERE settlement_run_id = $1 GROUP BY currency HAVING SUM(amount) <> 0',
    [runId],
  );
  return rows;
}

export async function payoutsOfRun(db: Queryable, runId: string): Promise<PayoutRow[]> {
  const { rows } = await db.query<PayoutRow>(`SELECT ${PAYOUT} FROM payouts p LEFT JOIN sellers s ON s.id = p.seller_id WHERE p.settlement_run_id = $1 ORDER BY p.seller_id, p.currency`, [runId]);
  return rows;
}

/** Payouts newest first, after the cursor (a payout id), of one seller or all. */
export async function pagePayouts(db: Queryable, q: { seller_id?: string | undefined; settlement_run_id?: string | undefined; starting_after?: string | undefined; limit: number }): Promise<PayoutRow[]> {
  const { rows } = await db.query<PayoutRow>(
    `SELECT ${PAYOUT} FROM payouts p LEFT JOIN sellers s ON s.id = p.seller_id
      WHERE ($1::text IS NULL OR p.seller_id = $1) AND ($2::text IS NULL OR p.settlement_run_id = $2)
        AND ($3::text IS NULL OR (p.created_at, p.id) < (SELECT created_at, id FROM payouts WHERE id = $3))
      ORDER BY p.created_at DESC, p.id DESC LIMIT $4`,
    [q.seller_id ?? null, q.settlement_run_id ?? null, q.starting_after ?? null, q.limit],
  );
  return rows;
}

export async function runTotals(db: Queryable, runId: string): Promise<{ currency: string; payouts: number; amount: number }[]> {
  const { rows } = await db.query<{ currency: string; payouts: number; amount: number }>(
    'SELECT currency, count(*)::int AS payouts, SUM(amount)::bigint AS amount FROM payouts WHERE settlement_run_id = $1 GROUP BY currency ORDER BY currency',
    [runId],
  );
  return rows;
}
