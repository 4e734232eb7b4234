-- Plans and usage metering (issue 6). Like partners, these are platform accounts: the billing
-- module keeps them in the live schema only (the test schema has the tables, unused); usage of
-- test-mode calls is stored there too, with env = 'test', and is never capped or billed.

-- A plan: per meter (api_calls, recommendation_calls, checkout_calls) a free quota, graduated
-- tiers, a hard cap and a soft threshold, as jsonb: { "api_calls": { "free_quota": …, "tiers":
-- [{ "up_to": …, "unit_amount": … }], "hard_cap": … | null, "soft_threshold": … | null }, … }.
-- Plans are immutable once created (a price change is a new plan, assigned to partners).
CREATE TABLE plans (
  id text PRIMARY KEY,
  name text NOT NULL,
  currency text NOT NULL,
  meters jsonb NOT NULL,
  created_at timestamptz NOT NULL
);

-- The default plan, for partners without one: a free quota per meter, then graduated prices, no cap.
INSERT INTO plans (id, name, currency, meters, created_at) VALUES (
  'plan_default', 'Default', 'USD',
  '{"api_calls": {"free_quota": 10000, "tiers": [{"up_to": 1000000, "unit_amount": 0, "unit_amount_decimal": "0.1"}, {"up_to": null, "unit_amount": 0, "unit_amount_decimal": "0.05"}], "hard_cap": null, "soft_threshold": null},
    "recommendation_calls": {"free_quota": 1000, "tiers": [{"up_to": null, "unit_amount": 1}], "hard_cap": null, "soft_threshold": null},
    "checkout_calls": {"free_quota": 100, "tiers": [{"up_to": null, "unit_amount": 2}], "hard_cap": null, "soft_threshold": null}}',
  '2026-01-01T00:00:00Z'
);

-- The plan of a partner (a partner id of the developers module: no cross-module foreign key).
CREATE TABLE partner_plans (
  partner_id text PRIMARY KEY,
  plan_id text NOT NULL REFERENCES plans (id),
  assigned_at timestamptz NOT NULL
);
CREATE INDEX partner_plans_plan ON partner_plans (plan_id);

-- One counter per partner, environment, period (UTC calendar month, '2026-11') and meter.
CREATE TABLE usage_counters (
  partner_id text NOT NULL,
  env text NOT NULL CHECK (env IN ('live', 'test')),
  period text NOT NULL,
  meter text NOT NULL,
  quantity bigint NOT NULL DEFAULT 0,
  threshold_notified boolean NOT NULL DEFAULT false,
  PRIMARY KEY (partner_id, env, period, meter)
);
CREATE INDEX usage_counters_period ON usage_counters (period, env);

-- One row per metered call and meter. The id is the call's Idempotency-Key (scoped to the OAuth
-- client) or a fresh id: a retried POST finds its row and is not counted again.
CREATE TABLE usage_events (
  partner_id text NOT NULL,
  env text NOT NULL,
  id text NOT NULL,
  meter text NOT NULL,
  period text NOT NULL,
  occurred_at timestamptz NOT NULL,
  route text NOT NULL,
  PRIMARY KEY (partner_id, env, id, meter)
);
CREATE INDEX usage_events_occurred ON usage_events (occurred_at);

-- Counts one call on each of `p_meters`, in one statement (one round trip, all or nothing):
-- per meter, the event is inserted unless it exists (a retry: not counted again), then the
-- counter goes up by one unless it is at the plan's hard cap (when `p_enforce`: live mode).
-- A refused meter undoes the call's other meters and events and returns one 'refused' row; else
-- one row per meter: 'counted', 'crossed' (counted, and the soft threshold reached for the first
-- time this period: the flag is set here, the caller writes the event in the same statement) or
-- 'replayed'. The row lock on the counter makes the cap exact under concurrency.
CREATE FUNCTION usage_meter(p_partner text, p_env text, p_period text, p_id text, p_route text, p_at timestamptz, p_meters text[], p_enforce boolean)
RETURNS TABLE (r_meter text, r_quantity bigint, r_outcome text, r_cap bigint, r_threshold bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_plan jsonb;
  v_meter text;
  v_cap bigint;
  v_threshold bigint;
  v_quantity bigint;
  v_counted text[] := '{}';
  v_quantities bigint[] := '{}';
  i int;
BEGIN
  SELECT p.meters INTO v_plan FROM plans p
   WHERE p.id = COALESCE((SELECT pp.plan_id FROM partner_plans pp WHERE pp.partner_id = p_partner), 'plan_default');
  FOREACH v_meter IN ARRAY p_meters LOOP
    INSERT INTO usage_events (partner_id, env, id, meter, period, occurred_at, route)
    VALUES (p_partner, p_env, p_id, v_meter, p_period, p_at, p_route) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      r_meter := v_meter; r_quantity := NULL; r_outcome := 'replayed'; r_cap := NULL; r_threshold := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;
    v_cap := CASE WHEN p_enforce THEN (v_plan -> v_meter ->> 'hard_cap')::bigint END;
    INSERT INTO usage_counters (partner_id, env, period, meter) VALUES (p_partner, p_env, p_period, v_meter) ON CONFLICT DO NOTHING;
    UPDATE usage_counters c SET quantity = c.quantity + 1
     WHERE c.partner_id = p_partner AND c.env = p_env AND c.period = p_period AND c.meter = v_meter
       AND (v_cap IS NULL OR c.quantity < v_cap)
    RETURNING c.quantity INTO v_quantity;
    IF NOT FOUND THEN
      DELETE FROM usage_events e WHERE e.partner_id = p_partner AND e.env = p_env AND e.id = p_id AND e.meter = ANY (v_counted || v_meter);
      UPDATE usage_counters c SET quantity = c.quantity - 1
       WHERE c.partner_id = p_partner AND c.env = p_env AND c.period = p_period AND c.meter = ANY (v_counted);
      RETURN QUERY SELECT v_meter, v_cap, 'refused'::text, v_cap, NULL::bigint;
      RETURN;
    END IF;
    v_counted := v_counted || v_meter;
    v_quantities := v_quantities || v_quantity;
  END LOOP;
  FOR i IN 1 .. COALESCE(array_length(v_counted, 1), 0) LOOP
    v_threshold := CASE WHEN p_enforce THEN (v_plan -> v_counted[i] ->> 'soft_threshold')::bigint END;
    r_meter := v_counted[i]; r_quantity := v_quantities[i]; r_outcome := 'counted'; r_threshold := v_threshold;
    r_cap := CASE WHEN p_enforce THEN (v_plan -> v_counted[i] ->> 'hard_cap')::bigint END;
    IF v_threshold IS NOT NULL AND v_quantities[i] >= v_threshold THEN
      UPDATE usage_counters c SET threshold_notified = true
       WHERE c.partner_id = p_partner AND c.env = p_env AND c.period = p_period AND c.meter = v_counted[i] AND NOT c.threshold_notified;
      IF FOUND THEN r_outcome := 'crossed'; END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
