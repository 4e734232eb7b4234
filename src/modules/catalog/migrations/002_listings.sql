-- Marketplace listings (#5): sellers' products wait for an operator's review. A rejected product
-- keeps the reason until its seller edits it (back to draft) or an operator publishes it.
ALTER TABLE products DROP CONSTRAINT products_status_check;
ALTER TABLE products ADD CONSTRAINT products_status_check CHECK (status IN ('draft', 'published', 'archived', 'rejected'));
ALTER TABLE products ADD COLUMN moderation_reason text;
ALTER TABLE products ADD COLUMN moderated_at timestamptz;
-- a seller's own listing (GET /v1/products with a seller key) and the search filter by seller
CREATE INDEX products_seller ON products (seller_id, id) WHERE seller_id IS NOT NULL;
