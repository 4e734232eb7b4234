-- The experiment variants the shopper was assigned when ordering ({ experiment key: variant }, #7):
-- every event of the order carries them as context.experiments, for attribution.
ALTER TABLE orders ADD COLUMN experiments jsonb NOT NULL DEFAULT '{}';
