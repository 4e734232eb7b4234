-- Feature flags: on/off, a percentage rollout and attribute rules, evaluated by hashing (flag key, subject).
CREATE TABLE flags (
  id text PRIMARY KEY,
  key text NOT NULL CONSTRAINT flags_key_key UNIQUE,
  description text NOT NULL DEFAULT '',
  enabled boolean NOT NULL DEFAULT false,
  -- percent of subjects the flag is on for when no rule matches, 0–100
  rollout double precision NOT NULL DEFAULT 100 CHECK (rollout >= 0 AND rollout <= 100),
  -- [{ "attribute": "country", "operator": "in", "values": ["US"], "rollout": 50 }, …]; first match wins
  rules jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A/B experiments on a recommendation slot; each variant names a recommendation strategy.
CREATE TABLE experiments (
  id text PRIMARY KEY,
  key text NOT NULL CONSTRAINT experiments_key_key UNIQUE,
  name text NOT NULL DEFAULT '',
  slot text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'running', 'stopped')),
  -- [{ "key": "control", "weight": 50, "strategy": "popularity" }, …]; the first is the control
  variants jsonb NOT NULL,
  started_at timestamptz,
  stopped_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One running experiment per slot.
CREATE UNIQUE INDEX experiments_running_slot ON experiments (slot) WHERE status = 'running';

-- Who saw which variant, first time only (the primary key makes logging idempotent).
CREATE TABLE experiment_exposures (
  experiment_id text NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  subject text NOT NULL,
  variant text NOT NULL,
  first_exposed_at timestamptz NOT NULL,
  PRIMARY KEY (experiment_id, subject)
);
-- Checkout looks up a subject's assignments.
CREATE INDEX experiment_exposures_subject ON experiment_exposures (subject);

-- Orders attributed to an experiment (from order.created's context.experiments), one row per order.
CREATE TABLE experiment_conversions (
  experiment_id text NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  order_id text NOT NULL,
  subject text NOT NULL,
  amount bigint NOT NULL CHECK (amount >= 0),
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (experiment_id, order_id)
);
CREATE INDEX experiment_conversions_subject ON experiment_conversions (experiment_id, subject);
