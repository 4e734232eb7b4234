-- API keys of this environment. Only a SHA-256 of each key is stored; the key is shown once.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('secret', 'publishable', 'restricted')),
  name text,
  key_hash text NOT NULL UNIQUE,
  redacted text NOT NULL,
  scopes text[] NOT NULL,
  seller_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_created ON api_keys (id);
