-- Catalog: a category tree, products and their variants with one price per currency.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE categories (
  id text PRIMARY KEY,
  parent_id text REFERENCES categories (id) ON DELETE RESTRICT,
  name text NOT NULL,
  handle text NOT NULL UNIQUE,
  -- ids from the root down to this category, itself included; kept current when a subtree moves
  path text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX categories_parent ON categories (parent_id);

CREATE TABLE products (
  id text PRIMARY KEY,
  title text NOT NULL,
  handle text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
  brand text,
  category_ids text[] NOT NULL DEFAULT '{}',
  -- every category of the product and all their ancestors: the category filter includes descendants
  category_paths text[] NOT NULL DEFAULT '{}',
  attributes jsonb NOT NULL DEFAULT '{}',
  images text[] NOT NULL DEFAULT '{}',
  seller_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  -- lowest variant price per currency, e.g. {"USD": 1999, "EUR": 1849}: price filters, sorts, facets
  min_prices jsonb NOT NULL DEFAULT '{}',
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', coalesce(brand, '')), 'B') ||
    setweight(to_tsvector('english', description), 'C')
  ) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_search ON products USING gin (search_vector);
CREATE INDEX products_title_trgm ON products USING gin (title gin_trgm_ops);
CREATE INDEX products_category_paths ON products USING gin (category_paths);
CREATE INDEX products_attributes ON products USING gin (attributes jsonb_path_ops);
CREATE INDEX products_brand ON products (brand);
CREATE INDEX products_status_id ON products (status, id);
CREATE INDEX products_created ON products (created_at DESC, id DESC);

CREATE TABLE product_variants (
  id text PRIMARY KEY,
  product_id text NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  sku text NOT NULL UNIQUE,
  title text NOT NULL,
  options jsonb NOT NULL DEFAULT '{}',
  weight_grams int CHECK (weight_grams >= 0),
  position int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_variants_product ON product_variants (product_id, position);

CREATE TABLE variant_prices (
  variant_id text NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  amount bigint NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (variant_id, currency)
);
