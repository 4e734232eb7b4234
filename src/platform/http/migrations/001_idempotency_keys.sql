-- Stored responses of POST requests made with an Idempotency-Key, scoped to (environment, credential, key).
-- The environment is the schema this table lives in.
CREATE TABLE idempotency_keys (
  credential_id text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_flight', 'completed')),
  locked_until timestamptz NOT NULL,
  response_status int,
  response_headers jsonb,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (credential_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
