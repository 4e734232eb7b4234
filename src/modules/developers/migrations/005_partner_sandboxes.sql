-- Each partner works in a sandbox of its own (platform/db/sandboxes.ts): its test-mode clients'
-- tokens reach that schema. A reset points the partner at a fresh sandbox. Partners made before
-- sandboxes existed keep the shared test schema (null).
ALTER TABLE partners ADD COLUMN sandbox text CHECK (sandbox ~ '^sbx_[a-z0-9]{8,40}$');
ALTER TABLE partners ADD COLUMN sandbox_reset_at timestamptz;
