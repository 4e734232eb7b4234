-- The request log of partner calls (issue 6): a partner sees its own last 1,000 requests. Kept in
-- the live schema only, like partners. Written after the response in batches (not money: a
-- process that dies may lose its last batch); older rows beyond 1,000 per partner are pruned on insert.
CREATE TABLE request_logs (
  seq bigserial PRIMARY KEY,
  partner_id text NOT NULL,
  env text NOT NULL CHECK (env IN ('live', 'test')),
  client_id text NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  status int NOT NULL,
  latency_ms double precision NOT NULL,
  request_id text NOT NULL,
  idempotency_key text,
  created_at timestamptz NOT NULL
);
CREATE INDEX request_logs_partner ON request_logs (partner_id, seq DESC);
