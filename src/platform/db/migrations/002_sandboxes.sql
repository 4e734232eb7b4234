-- Partner sandboxes (platform/db/sandboxes.ts), each a schema named `env`. Only the live schema's
-- table is read: it lists the schemas background work visits and migrations bring up to date.
CREATE TABLE sandboxes (
  env text PRIMARY KEY CHECK (env ~ '^sbx_[a-z0-9]{8,40}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE INDEX sandboxes_retired ON sandboxes (retired_at) WHERE retired_at IS NOT NULL;
