-- Pricing: regions (currency, countries, tax) and their shipping options.
CREATE TABLE regions (
  id text PRIMARY KEY,
  name text NOT NULL,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- parts per million: 20 % = 200000
  tax_rate_ppm int NOT NULL CHECK (tax_rate_ppm BETWEEN 0 AND 1000000),
  tax_inclusive boolean NOT NULL DEFAULT false,
  -- [{ "category_id": "cat_…", "rate_ppm": 70000 }]
  tax_overrides jsonb NOT NULL DEFAULT '[]',
  capture_method text NOT NULL DEFAULT 'automatic' CHECK (capture_method IN ('automatic', 'manual')),
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A country belongs to one region at most: the primary key makes a second claim fail.
CREATE TABLE region_countries (
  country char(2) PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
  region_id text NOT NULL REFERENCES regions (id) ON DELETE CASCADE
);
CREATE INDEX region_countries_region ON region_countries (region_id);

CREATE TABLE shipping_options (
  id text PRIMARY KEY,
  region_id text NOT NULL REFERENCES regions (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- { "type": "flat", "amount": 500 } or { "type": "weight", "bands": [{ "max_grams": 1000, "amount": 500 }, …] }
  price jsonb NOT NULL,
  free_over_amount bigint CHECK (free_over_amount >= 0),
  active boolean NOT NULL DEFAULT true,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipping_options_region ON shipping_options (region_id, id);
