import type { Queryable } from '../../platform/db/database.js';
import type { MeterName } from './plans.schemas.js';

export interface InvoiceRow {
  id: string;
  partner_id: string;
  period: string;
  status: 'finalized';
  plan_id: string | null;
  currency: string;
  subtotal: number;
  total: number;
  created_at: Date;
  finalized_at: Date;
}

export interface InvoiceLineRow {
  invoice_id: string;
  position: number;
  meter: MeterName;
  tier: number;
  first_unit: number;
  last_unit: number;
  quantity: number;
  unit_amount: number | null;
  unit_amount_decimal: string;
  amount: number;
}

const INVOICE = 'id, partner_id, period, status, plan_id, currency, subtotal, total, created_at, finalized_at';
const LINE = 'invoice_id, position, meter, tier, first_unit, last_unit, quantity, unit_amount, unit_amount_decimal, amount';

/**
 * Inserts the invoice and its lines in one statement, unless the partner already has an invoice
 * for the period (`UNIQUE (partner_id, period)`): then nothing is written and undefined returned.
 * A concurrent finalization waits on the unique index and then writes nothing.
 */
export async function insertInvoice(db: Queryable, row: InvoiceRow, lines: readonly Omit<InvoiceLineRow, 'invoice_id'>[]): Promise<InvoiceRow | undefined> {
  const col = <K extends keyof Omit<InvoiceLineRow, 'invoice_id'>>(k: K) => lines.map((l) => l[k]);
  const { rows } = await db.query<InvoiceRow>(
    `WITH inv AS (
       INSERT INTO invoices (${INVOICE}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (partner_id, period) DO NOTHING RETURNING ${INVOICE}
     ), lines AS (
       INSERT INTO invoice_lines (${LINE})
       SELECT inv.id, l.* FROM inv, unnest($11::int[], $12::text[], $13::int[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::text[], $19::bigint[])
         AS l(position, meter, tier, first_unit, last_unit, quantity, unit_amount, unit_amount_decimal, amount)
     )
     SELECT * FROM inv`,
    [
      row.id, row.partner_id, row.period, row.status, row.plan_id, row.currency, row.subtotal, row.total, row.created_at, row.finalized_at,
      col('position'), col('meter'), col('tier'), col('first_unit'), col('last_unit'), col('quantity'), col('unit_amount'), col('unit_amount_decimal'), col('amount'),
    ],
  );
  return rows[0];
}

export async function findInvoice(db: Queryable, id: string): Promise<InvoiceRow | undefined> {
  const { rows } = await db.query<InvoiceRow>(`SELECT ${INVOICE} FROM invoices WHERE id = $1`, [id]);
  return rows[0];
}

export async function linesOf(db: Queryable, invoiceIds: readonly string[]): Promise<InvoiceLineRow[]> {
  const { rows } = await db.query<InvoiceLineRow>(`SELECT ${LINE} FROM invoice_lines WHERE invoice_id = ANY($1) ORDER BY invoice_id, position`, [invoiceIds]);
  return rows;
}

/** Invoices newest period first (then newest id), optionally of one partner, after the cursor invoice. */
export async function pageInvoices(db: Queryable, q: { partner_id?: string | undefined; starting_after?: string | undefined; limit: number }): Promise<InvoiceRow[]> {
  const { rows } = await db.query<InvoiceRow>(
    `SELECT ${INVOICE} FROM invoices
      WHERE ($1::text IS NULL OR partner_id = $1)
        AND ($2::text IS NULL OR (period, id) < (SELECT period, id FROM invoices WHERE id = $2))
      ORDER BY period DESC, id DESC LIMIT $3`,
    [q.partner_id ?? null, q.starting_after ?? null, q.limit],
  );
  return rows;
}

/**
 * The (partner, period) pairs with live usage in periods before `before` (`YYYY-MM`) and no
 * invoice yet, oldest first. Test-mode counters (env = 'test') are never billed.
 */
export async function uninvoicedPeriods(db: Queryable, before: string): Promise<{ partner_id: string; period: string }[]> {
  const { rows } = await db.query<{ partner_id: string; period: string }>(
    `SELECT DISTINCT c.partner_id, c.period FROM usage_counters c
      WHERE c.env = 'live' AND c.period < $1 AND c.quantity > 0
        AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.partner_id = c.partner_id AND i.period = c.period)
      ORDER BY c.period, c.partner_id`,
    [before],
  );
  return rows;
}

/** A partner's live usage in a period, per meter. */
export async function liveUsage(db: Queryable, partnerId: string, period: string): Promise<Partial<Record<string, number>>> {
  const { rows } = await db.query<{ meter: string; quantity: number }>(
    `SELECT meter, quantity FROM usage_counters WHERE partner_id = $1 AND env = 'live' AND period = $2 AND quantity > 0`,
    [partnerId, period],
  );
  return Object.fromEntries(rows.map((r) => [r.meter, r.quantity]));
}
