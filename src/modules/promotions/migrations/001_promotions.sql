-- Promotions: automatic ones (code null) and coupon codes, with usage counted atomically.
CREATE TABLE promotions (
  id text PRIMARY KEY,
  name text NOT NULL,
  -- stored upper case; NULL for an automatic promotion (NULLs never collide)
  code text CONSTRAINT promotions_code_key UNIQUE CHECK (code = upper(code)),
  status text NOT NULL CHECK (status IN ('active', 'inactive')),
  priority int NOT NULL DEFAULT 0,
  -- false: exclusive, applies only alone
  combinable boolean NOT NULL DEFAULT true,
  -- the currency of its amounts; NULL: any currency
  currency char(3) CHECK (currency ~ '^[A-Z]{3}$'),
  starts_at timestamptz,
  ends_at timestamptz,
  usage_limit int CHECK (usage_limit > 0),
  usage_limit_per_customer int CHECK (usage_limit_per_customer > 0),
  times_redeemed int NOT NULL DEFAULT 0 CHECK (times_redeemed >= 0),
  -- [{ "type": "min_subtotal", "amount": 5000 }, …] and [{ "type": "percent_off", "percent": 10 }, …]
  conditions jsonb NOT NULL DEFAULT '[]',
  actions jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- the last line of defence behind the conditional increment in redeem
  CONSTRAINT promotions_usage_within_limit CHECK (usage_limit IS NULL OR times_redeemed <= usage_limit),
  CONSTRAINT promotions_window CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at)
);
-- Every cart loads the active automatic promotions.
CREATE INDEX promotions_automatic ON promotions (priority DESC, id) WHERE code IS NULL AND status = 'active';
CREATE INDEX promotions_status ON promotions (status, id);

-- One row per promotion per order placed; the order id makes a retried redemption a no-op.
CREATE TABLE promotion_redemptions (
  id text PRIMARY KEY,
  promotion_id text NOT NULL REFERENCES promotions (id) ON DELETE RESTRICT,
  order_id text NOT NULL,
  -- the customer id, else the lower-cased e-mail; NULL for an anonymous order
  customer_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT promotion_redemptions_order_key UNIQUE (promotion_id, order_id)
);
CREATE INDEX promotion_redemptions_order ON promotion_redemptions (order_id);

-- Redemptions per customer: a counter row per (promotion, customer), incremented conditionally
-- in the same transaction, so a per-customer limit holds under concurrent checkouts.
CREATE TABLE promotion_customer_usage (
  promotion_id text NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
  customer_key text NOT NULL,
  times_redeemed int NOT NULL CHECK (times_redeemed >= 0),
  PRIMARY KEY (promotion_id, customer_key)
);
