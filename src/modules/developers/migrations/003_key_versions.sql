-- The API version pinned on each key (Tessera-Version without the header). New keys get the then-current
-- version; keys issued before versions could be pinned keep the shapes they were built against.
ALTER TABLE api_keys ADD COLUMN api_version text;
UPDATE api_keys SET api_version = '2026-11-01';
