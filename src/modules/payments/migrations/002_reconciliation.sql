-- Reconciliation runs: our payments against each processor's settlement report.
CREATE TABLE reconciliation_runs (
  id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('completed', 'partial')),
  trigger text NOT NULL CHECK (trigger IN ('api', 'schedule')),
  processors text[] NOT NULL,
  -- processors whose report could not be fetched, with why: [{ "processor": "...", "detail": "..." }]
  errors jsonb NOT NULL DEFAULT '[]',
  payments_checked int NOT NULL,
  entries_checked int NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL
);

CREATE TABLE reconciliation_findings (
  run_id text NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
  position int NOT NULL,
  kind text NOT NULL CHECK (kind IN ('missing', 'extra', 'amount_mismatch')),
  processor text NOT NULL,
  payment_id text,
  processor_payment_id text,
  reference text,
  currency text,
  expected_captured bigint,
  actual_captured bigint,
  expected_refunded bigint,
  actual_refunded bigint,
  PRIMARY KEY (run_id, position)
);
