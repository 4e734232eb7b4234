-- Personalization (#7): behavioural signals and the recommendation model snapshots built from them.

-- One row per signal, compact (no payload): the model build scans it by time.
CREATE TABLE signals (
  id text PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('view', 'add_to_cart', 'purchase')),
  product_id text NOT NULL,
  customer_id text,
  anonymous_id text,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  CHECK (customer_id IS NOT NULL OR anonymous_id IS NOT NULL)
);
CREATE INDEX signals_occurred_at ON signals (occurred_at);
CREATE INDEX signals_type_occurred_at ON signals (type, occurred_at);
-- the refresh job's "anything new since the last build?"
CREATE INDEX signals_received_at ON signals (received_at);

-- Versioned snapshots: immutable once ready; at most one active.
CREATE TABLE recommendation_models (
  id text PRIMARY KEY,
  version int NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('building', 'ready', 'active', 'retired', 'failed')),
  created_at timestamptz NOT NULL,
  built_at timestamptz,
  activated_at timestamptz,
  -- half-life, windows, weights, as_of, holdout fraction (models.build.ts)
  params jsonb NOT NULL DEFAULT '{}',
  -- offline evaluation: precision_at_10, recall_at_10, popularity_precision_at_10, popularity_recall_at_10, holdout_purchases, …
  metrics jsonb,
  -- rows per table and what the build read
  counts jsonb,
  error text
);
CREATE UNIQUE INDEX recommendation_models_one_active ON recommendation_models (status) WHERE status = 'active';

-- Item-to-item co-occurrence: the top 50 neighbours per product and kind.
CREATE TABLE model_neighbors (
  model_id text NOT NULL,
  product_id text NOT NULL,
  neighbor_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('bought_together', 'viewed_together')),
  -- cosine: support / sqrt(subjects(product) * subjects(neighbor))
  score double precision NOT NULL,
  -- subjects who did both (the co-occurrence count)
  support int NOT NULL,
  PRIMARY KEY (model_id, kind, product_id, neighbor_id)
);

-- Time-decayed popularity, overall (category_id '') and per category.
CREATE TABLE model_popularity (
  model_id text NOT NULL,
  product_id text NOT NULL,
  category_id text NOT NULL,
  score double precision NOT NULL,
  support int NOT NULL,
  PRIMARY KEY (model_id, category_id, product_id)
);
CREATE INDEX model_popularity_rank ON model_popularity (model_id, category_id, score DESC);

-- Category affinity per subject ('c:<customer_id>' or 'a:<anonymous_id>'): the decayed share of its signals.
CREATE TABLE model_affinity (
  model_id text NOT NULL,
  subject text NOT NULL,
  category_id text NOT NULL,
  score double precision NOT NULL,
  support int NOT NULL,
  PRIMARY KEY (model_id, subject, category_id)
);

-- A snapshot never changes once written: its rows cannot be updated, and a built model keeps its
-- version, params, metrics and counts (only its status and activation time move).
CREATE FUNCTION model_snapshot_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'recommendation model snapshots are immutable';
END;
$$;
CREATE TRIGGER model_neighbors_immutable BEFORE UPDATE ON model_neighbors FOR EACH STATEMENT EXECUTE FUNCTION model_snapshot_immutable();
CREATE TRIGGER model_popularity_immutable BEFORE UPDATE ON model_popularity FOR EACH STATEMENT EXECUTE FUNCTION model_snapshot_immutable();
CREATE TRIGGER model_affinity_immutable BEFORE UPDATE ON model_affinity FOR EACH STATEMENT EXECUTE FUNCTION model_snapshot_immutable();

CREATE FUNCTION recommendation_model_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'building' AND (NEW.version, NEW.params, NEW.metrics, NEW.counts, NEW.built_at, NEW.created_at)
     IS DISTINCT FROM (OLD.version, OLD.params, OLD.metrics, OLD.counts, OLD.built_at, OLD.created_at) THEN
    RAISE EXCEPTION 'recommendation model % is immutable once built', OLD.id;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER recommendation_models_immutable BEFORE UPDATE ON recommendation_models FOR EACH ROW EXECUTE FUNCTION recommendation_model_immutable();
