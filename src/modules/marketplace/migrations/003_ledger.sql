-- The seller ledger (#5): append-only double-entry entries (ledger.rules.ts), grouped into
-- postings. One posting = one balanced set of entries, written once: its idempotency key
-- (source, source_id, kind) is unique, so a redispatched event or a repeated run posts nothing twice.
CREATE TABLE ledger_transactions (
  id text PRIMARY KEY,
  -- what the posting is about: 'seller_order' (sale, refund, release, chargeback) or 'payout'
  source text NOT NULL,
  source_id text NOT NULL,
  -- 'sale', 'refund:<cumulative refunded>', 'release', 'chargeback:<id>', 'payout'
  kind text NOT NULL,
  settlement_run_id text,
  created_at timestamptz NOT NULL,
  UNIQUE (source, source_id, kind)
);

CREATE TABLE ledger_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- its posting (ledger_transactions.id). No foreign key: entries are only ever written with their
  -- posting, in its statement or transaction, and a per-row check cost a fifth of a 100,000-order
  -- release (bench/settlements.js); the reconciliation reports postings that do not balance.
  txn_id text NOT NULL,
  account text NOT NULL,
  seller_id text,
  currency char(3) NOT NULL,
  -- signed minor units, positive = credit (ledger.rules.ts); zero legs are never written
  amount bigint NOT NULL CHECK (amount <> 0),
  kind text NOT NULL CHECK (kind IN ('sale', 'commission', 'shipping', 'refund', 'commission_reversal', 'chargeback', 'release', 'payout')),
  seller_order_id text,
  payout_id text,
  settlement_run_id text,
  created_at timestamptz NOT NULL,
  CHECK ((seller_id IS NULL) = (account NOT LIKE 'seller:%'))
);
CREATE INDEX ledger_entries_seller ON ledger_entries (seller_id, currency, account) WHERE seller_id IS NOT NULL;
CREATE INDEX ledger_entries_seller_order ON ledger_entries (seller_order_id) WHERE seller_order_id IS NOT NULL;

-- Append-only: a correction is a new posting, never an edit.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only';
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

-- Chargebacks against a seller order: the operational record the ledger posts from.
CREATE TABLE chargebacks (
  id text PRIMARY KEY,
  seller_order_id text NOT NULL,
  seller_id text NOT NULL,
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  -- what refunds and chargebacks had given back of the sale before this one (how it split)
  returned_before bigint NOT NULL CHECK (returned_before >= 0),
  reason text,
  created_at timestamptz NOT NULL
);
CREATE INDEX chargebacks_seller_order ON chargebacks (seller_order_id);

-- One settlement run per period (a UTC date): the unique period makes a repeated or concurrent
-- run for the same period one run.
CREATE TABLE settlement_runs (
  id text PRIMARY KEY,
  period date NOT NULL UNIQUE,
  -- seller orders delivered at or before this were released
  cutoff timestamptz NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('api', 'schedule')),
  released_count int NOT NULL DEFAULT 0,
  -- the reconciliation findings at the end of the run
  findings jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL
);
CREATE INDEX settlement_runs_created ON settlement_runs (created_at, id);

-- What a run pays a seller in one currency. The transfer itself is out of scope: a payout is
-- 'pending' until a payout executor sends the money ('paid') or fails ('failed').
CREATE TABLE payouts (
  id text PRIMARY KEY,
  settlement_run_id text NOT NULL REFERENCES settlement_runs (id),
  seller_id text NOT NULL,
  currency char(3) NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
  -- the seller's available-account entries this payout settles (releases, refunds, … since the last payout)
  entries_count int NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (settlement_run_id, seller_id, currency)
);
CREATE INDEX payouts_seller ON payouts (seller_id, created_at, id);
CREATE INDEX payouts_created ON payouts (created_at, id);
