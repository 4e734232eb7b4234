-- Carts and their lines. Region, product and order ids are plain ids: other modules own those rows.
CREATE TABLE carts (
  id text PRIMARY KEY,
  -- open → completing (a checkout holds it, until checkout_lease_until) → completed; back to open when checkout fails
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completing', 'completed')),
  region_id text NOT NULL,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  email text,
  customer_id text,
  shipping_address jsonb,
  billing_address jsonb,
  shipping_option_id text,
  -- upper case, in the order the shopper entered them
  promotion_codes text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  order_id text,
  checkout_lease_until timestamptz,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX carts_open_expiry ON carts (expires_at) WHERE status = 'open';

CREATE TABLE cart_items (
  id text PRIMARY KEY,
  cart_id text NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  variant_id text NOT NULL,
  product_id text NOT NULL,
  sku text NOT NULL,
  title text NOT NULL,
  -- the price when the line was last added or changed; checkout re-reads the catalog
  unit_amount bigint NOT NULL CHECK (unit_amount >= 0),
  quantity int NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
  weight_grams int NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
  category_ids text[] NOT NULL DEFAULT '{}',
  seller_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (cart_id, variant_id)
);
