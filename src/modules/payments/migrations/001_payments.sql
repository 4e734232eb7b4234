-- Payments (PaymentIntent-like), their processor attempts and refunds. Amounts are minor units.
CREATE TABLE payments (
  id text PRIMARY KEY,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status text NOT NULL CHECK (status IN ('requires_payment_method', 'processing', 'requires_capture', 'succeeded', 'canceled')),
  capture_method text NOT NULL CHECK (capture_method IN ('automatic', 'manual')),
  processor text,
  processor_payment_id text,
  amount_capturable bigint NOT NULL DEFAULT 0 CHECK (amount_capturable >= 0 AND amount_capturable <= amount),
  amount_captured bigint NOT NULL DEFAULT 0 CHECK (amount_captured >= 0 AND amount_captured <= amount),
  -- refunds succeeded or in flight: a refund reserves its amount before the processor is called
  amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
  last_decline_code text,
  cart_id text,
  order_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- over-refunding is impossible whatever the code does
  CONSTRAINT payments_refund_within_captured CHECK (amount_refunded <= amount_captured),
  CONSTRAINT payments_processor_id_once UNIQUE (processor, processor_payment_id)
);
CREATE INDEX payments_cart ON payments (cart_id) WHERE cart_id IS NOT NULL;
CREATE INDEX payments_order ON payments (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX payments_processing ON payments (created_at) WHERE status = 'processing';

CREATE TABLE payment_attempts (
  payment_id text NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
  number int NOT NULL CHECK (number > 0),
  reference text NOT NULL UNIQUE,
  processor text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('pending', 'authorized', 'declined', 'unavailable', 'circuit_open',
                                           'timeout_authorized', 'timeout_not_authorized', 'unresolved', 'error')),
  decline_code text,
  latency_ms int,
  processor_payment_id text,
  detail text,
  started_at timestamptz NOT NULL,
  PRIMARY KEY (payment_id, number)
);

CREATE TABLE refunds (
  id text PRIMARY KEY,
  payment_id text NOT NULL REFERENCES payments (id),
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  reason text,
  -- the caller's key (e.g. an order refund id): asking again with it never refunds twice
  idempotency_ref text,
  processor_refund_id text,
  failure_code text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (payment_id, idempotency_ref)
);
CREATE INDEX refunds_payment ON refunds (payment_id);
