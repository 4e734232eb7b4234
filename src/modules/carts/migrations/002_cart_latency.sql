-- The latencies a cart's shopper saw (ms, the last 32 cart requests), and when the cart was
-- counted as abandoned: for abandonment by latency bucket.
ALTER TABLE carts ADD COLUMN latency_ms int[] NOT NULL DEFAULT '{}';
ALTER TABLE carts ADD COLUMN abandoned_at timestamptz;
CREATE INDEX carts_abandonment_scan ON carts (updated_at) WHERE status = 'open' AND abandoned_at IS NULL;
