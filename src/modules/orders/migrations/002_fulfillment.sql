-- Units of each line handed to a carrier (shipments, fulfillment module). Never more than were
-- ordered, refunds aside: a refunded unit may already have shipped.
ALTER TABLE order_lines ADD COLUMN quantity_fulfilled int NOT NULL DEFAULT 0 CHECK (quantity_fulfilled >= 0 AND quantity_fulfilled <= quantity);
