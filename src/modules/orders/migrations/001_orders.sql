-- Orders: what was bought, at what price, and where it stands. Cart, payment and reservation ids
-- are plain ids: other modules own those rows.
CREATE TABLE orders (
  id text PRIMARY KEY,
  -- one order per cart, whatever happens: a double submit cannot make a second one
  cart_id text NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'partially_fulfilled', 'fulfilled', 'completed', 'canceled', 'refunded')),
  region_id text NOT NULL,
  currency char(3) NOT NULL,
  email text,
  customer_id text,
  shipping_address jsonb,
  billing_address jsonb,
  shipping_method jsonb,
  promotions jsonb NOT NULL DEFAULT '[]',
  subtotal bigint NOT NULL,
  discount_total bigint NOT NULL,
  shipping_total bigint NOT NULL,
  shipping_discount bigint NOT NULL DEFAULT 0,
  tax_total bigint NOT NULL,
  tax_inclusive boolean NOT NULL,
  total bigint NOT NULL CHECK (total >= 0),
  amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0 AND amount_refunded <= total),
  payment_id text,
  reservation_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  canceled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_email ON orders (lower(email), id);
CREATE INDEX orders_customer ON orders (customer_id, id);

CREATE TABLE order_lines (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position int NOT NULL,
  variant_id text NOT NULL,
  product_id text NOT NULL,
  sku text NOT NULL,
  title text NOT NULL,
  seller_id text,
  unit_amount bigint NOT NULL,
  quantity int NOT NULL CHECK (quantity > 0),
  subtotal bigint NOT NULL,
  discount bigint NOT NULL,
  tax bigint NOT NULL,
  total bigint NOT NULL,
  quantity_refunded int NOT NULL DEFAULT 0 CHECK (quantity_refunded BETWEEN 0 AND quantity),
  UNIQUE (order_id, position)
);
CREATE INDEX order_lines_order ON order_lines (order_id, position);
