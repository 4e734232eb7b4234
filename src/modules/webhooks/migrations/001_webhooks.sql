-- Webhook endpoints, their signing secrets, and the deliveries of events to them.
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- type patterns: exact types, `prefix.*`, or `*`
  enabled_events text[] NOT NULL CHECK (cardinality(enabled_events) > 0),
  status text NOT NULL CHECK (status IN ('enabled', 'disabled')),
  -- why a disabled endpoint was disabled: by the operator, by a 410, or after failing for days
  disabled_reason text CHECK (disabled_reason IN ('operator', 'gone', 'failing')),
  -- the first failed attempt since the last success; null while healthy
  failing_since timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Signing secrets. A rotated-out secret keeps signing until `expires_at` (the overlap), so
-- receivers can switch without missing a delivery.
CREATE TABLE webhook_secrets (
  -- rotation order (two rotations can share a timestamp)
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  secret text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX webhook_secrets_endpoint ON webhook_secrets (endpoint_id);

CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id text NOT NULL,
  event_type text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  -- a worker holds the delivery until then while its request is in flight; after that (the
  -- worker died) another worker may take it: at least once
  locked_until timestamptz,
  last_status_code int,
  last_latency_ms int,
  last_error text,
  -- set on a delivery made by a replay: the delivery it repeats (null for the fan-out's own)
  replay_of text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  delivered_at timestamptz
);
-- fan-out is idempotent: one original delivery per (endpoint, event)
CREATE UNIQUE INDEX webhook_deliveries_fanout ON webhook_deliveries (endpoint_id, event_id) WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  number int NOT NULL,
  attempted_at timestamptz NOT NULL,
  status_code int,
  latency_ms int NOT NULL,
  error text,
  PRIMARY KEY (delivery_id, number)
);
