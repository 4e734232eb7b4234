-- Customer segments, set by the operator (e.g. from a CRM): promotions can target them.
CREATE TABLE customer_segments (
  customer_id text NOT NULL,
  segment text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, segment)
);
