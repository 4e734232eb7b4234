import type { Queryable } from '../../platform/db/database.js';
import type { ReconciliationFinding } from './payments.schemas.js';

export interface RunRow {
  id: string;
  status: 'completed' | 'partial';
  trigger: 'api' | 'schedule';
  processors: string[];
  errors: Array<{ processor: string; detail: string }>;
  payments_checked: number;
  entries_checked: number;
  started_at: Date;
  finished_at: Date;
}

const FINDING_COLUMNS = 'kind, processor, payment_id, processor_payment_id, reference, currency, expected_captured, actual_captured, expected_refunded, actual_refunded';

/** Stores a run and its findings (one statement for all findings). */
export async function insertRun(db: Queryable, run: RunRow, findings: readonly ReconciliationFinding[]): Promise<void> {
  await db.query(
    `INSERT INTO reconciliation_runs (id, status, trigger, processors, errors, payments_checked, entries_checked, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [run.id, run.status, run.trigger, run.processors, JSON.stringify(run.errors), run.payments_checked, run.entries_checked, run.started_at, run.finished_at],
  );
  if (!findings.length) return;
  await db.query(
    `INSERT INTO reconciliation_findings (run_id, position, ${FINDING_COLUMNS})
     SELECT $1, f.position, f.kind, f.processor, f.payment_id, f.processor_payment_id, f.reference, f.currency,
            f.expected_captured, f.actual_captured, f.expected_refunded, f.actual_refunded
       FROM jsonb_to_recordset($2::jsonb) AS f(position int, kind text, processor text, payment_id text, processor_payment_id text, reference text, currency text,
            expected_captured bigint, actual_captured bigint, expected_refunded bigint, actual_refunded bigint)`,
    [run.id, JSON.stringify(findings.map((f, position) => ({ ...f, position })))],
  );
}

/** A stored run and its findings in order. */
export async function findRun(db: Queryable, id: string): Promise<{ run: RunRow; findings: ReconciliationFinding[] } | undefined> {
  const { rows } = await db.query<RunRow>(
    'SELECT id, status, trigger, processors, errors, payments_checked, entries_checked, started_at, finished_at FROM reconciliation_runs WHERE id = $1',
    [id],
  );
  const run = rows[0];
  if (!run) return undefined;
  const findings = await db.query<ReconciliationFinding>(`SELECT ${FINDING_COLUMNS} FROM reconciliation_findings WHERE run_id = $1 ORDER BY position`, [id]);
  return { run, findings: findings.rows };
}
