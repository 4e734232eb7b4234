-- Stock leaves the location when the shipment is created, not at checkout. A committed
-- reservation is the order's allocation: its units stay reserved (on_hand unchanged) until a
-- shipment takes them off hand, or a cancel or refund releases them.

-- false: committed before this migration, under the old rule (its units left on_hand at commit):
-- it holds no allocation, its shipments move no stock, and a restock (its order canceled) puts
-- back every unit not yet restocked, as before.
-- (Active holds, committed from now on, follow the new rule.)
ALTER TABLE reservations ADD COLUMN stock_at_shipment boolean NOT NULL DEFAULT true;
UPDATE reservations SET stock_at_shipment = false WHERE status = 'committed';

-- Per line: units shipped (taken off hand at the line's location) and units of the allocation
-- given back without shipping (order canceled or refunded); what is left is still allocated.
ALTER TABLE reservation_lines ADD COLUMN shipped int NOT NULL DEFAULT 0 CHECK (shipped >= 0);
ALTER TABLE reservation_lines ADD COLUMN released int NOT NULL DEFAULT 0 CHECK (released >= 0);
ALTER TABLE reservation_lines ADD CONSTRAINT reservation_lines_allocation_within_quantity CHECK (shipped + released <= quantity);

ALTER TABLE stock_adjustments DROP CONSTRAINT stock_adjustments_kind_check;
ALTER TABLE stock_adjustments ADD CONSTRAINT stock_adjustments_kind_check CHECK (kind IN ('set', 'adjustment', 'commit', 'restock', 'ship'));
