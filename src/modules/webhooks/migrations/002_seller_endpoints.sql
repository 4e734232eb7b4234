-- Marketplace (#5): an endpoint a seller key created is that seller's. It receives only the
-- seller-facing event types (webhooks.sellers.ts) whose object is that seller's; operator
-- endpoints (seller_id null) keep receiving everything.
ALTER TABLE webhook_endpoints ADD COLUMN seller_id text;
CREATE INDEX webhook_endpoints_seller ON webhook_endpoints (seller_id, id) WHERE seller_id IS NOT NULL;
