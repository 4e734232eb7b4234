-- Marketplace (#5): the seller whose lines a shipment carries (null: the platform's own lines).
-- Set from the lines when the shipment is made; a shipment never mixes sellers. A seller key sees
-- and makes only its own shipments.
ALTER TABLE shipments ADD COLUMN seller_id text;
CREATE INDEX shipments_seller ON shipments (seller_id, id) WHERE seller_id IS NOT NULL;
