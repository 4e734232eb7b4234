-- Shipments of orders, the carriers' tracking scans, and the raw carrier webhooks they came in.
CREATE TABLE shipments (
  id text PRIMARY KEY,
  order_id text NOT NULL,
  carrier text NOT NULL CHECK (carrier IN ('ups', 'fedex', 'dhl', 'usps')),
  tracking_number text NOT NULL,
  location_id text NOT NULL,
  -- the canonical status of the newest known scan (pre_transit until one arrives)
  status text NOT NULL,
  -- the newest known scan behind `status`: its raw code and message, and when it happened
  raw_code text,
  raw_message text,
  status_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (carrier, tracking_number)
);
CREATE INDEX shipments_order ON shipments (order_id, id);

CREATE TABLE shipment_lines (
  shipment_id text NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
  order_line_id text NOT NULL,
  quantity int NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (shipment_id, order_line_id)
);

-- Every scan a carrier sent, by tracking number (a scan may come before its shipment exists).
CREATE TABLE tracking_events (
  carrier text NOT NULL,
  scan_id text NOT NULL,
  tracking_number text NOT NULL,
  raw_code text NOT NULL,
  raw_message text NOT NULL,
  status text NOT NULL,
  occurred_at timestamptz NOT NULL,
  location text,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (carrier, scan_id)
);
CREATE INDEX tracking_events_number ON tracking_events (carrier, tracking_number, occurred_at);

-- Carrier webhooks as received: stored before answering, processed afterwards.
CREATE TABLE carrier_webhooks (
  id text PRIMARY KEY,
  carrier text NOT NULL,
  body text NOT NULL,
  received_at timestamptz NOT NULL,
  processed_at timestamptz,
  scans int,
  error text
);
CREATE INDEX carrier_webhooks_pending ON carrier_webhooks (id) WHERE processed_at IS NULL;
