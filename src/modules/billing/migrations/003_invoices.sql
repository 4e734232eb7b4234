-- Invoices (issue 6): one per partner per billing period (a UTC month, 'YYYY-MM'), written once
-- when the period is finalized, from the live usage counters. Like partners, they are platform
-- accounts' data and live in the live schema only (the test schema has the tables, unused).
-- The current period's draft is never stored: it is computed from the usage on each read.
CREATE TABLE invoices (
  id text PRIMARY KEY,
  partner_id text NOT NULL,
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  status text NOT NULL CHECK (status = 'finalized'),
  plan_id text,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal bigint NOT NULL CHECK (subtotal >= 0),
  total bigint NOT NULL CHECK (total >= 0),
  created_at timestamptz NOT NULL,
  finalized_at timestamptz NOT NULL,
  -- finalizing a period twice, or in two processes at once, makes one invoice
  UNIQUE (partner_id, period)
);
CREATE INDEX invoices_newest ON invoices (period DESC, id DESC);
CREATE INDEX invoices_partner_newest ON invoices (partner_id, period DESC, id DESC);

-- Lines per meter and tier (tier 0: the free quota), in minor units.
CREATE TABLE invoice_lines (
  invoice_id text NOT NULL REFERENCES invoices (id),
  position integer NOT NULL,
  meter text NOT NULL,
  tier integer NOT NULL CHECK (tier >= 0),
  first_unit bigint NOT NULL,
  last_unit bigint NOT NULL,
  quantity bigint NOT NULL CHECK (quantity > 0),
  unit_amount bigint,
  unit_amount_decimal text NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (invoice_id, position)
);
