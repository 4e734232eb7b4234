-- Small facts about this environment's lifecycle, such as when the demo data was seeded.
CREATE TABLE platform_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
