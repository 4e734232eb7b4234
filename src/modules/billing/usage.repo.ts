import type { Queryable } from '../../platform/db/database.js';
import { computedEventCtes, eventParams, type EventEnvelope } from '../../platform/events/outbox.js';

export interface MeterOutcome {
  meter: string;
  quantity: string | null;
  outcome: 'counted' | 'crossed' | 'replayed' | 'refused';
  cap: string | null;
  threshold: string | null;
}

export interface MeterCall {
  partnerId: string;
  env: 'live' | 'test';
  period: string;
  id: string;
  route: string;
  at: Date;
  meters: readonly string[];
  /** Live mode: the plan's hard caps and soft thresholds apply. */
  enforce: boolean;
  /** One prepared `usage.threshold_reached` envelope per meter (data.object.meter names it): written only for a meter whose threshold this call crosses. */
  thresholdEvents: readonly EventEnvelope[];
}

/**
 * Counts one call, in one statement: `usage_meter` (migration 001) writes the events and bumps the
 * counters, refusing at a hard cap; a crossed soft threshold's event goes to the outbox in the
 * same statement, so the flag and the event commit together.
 */
export async function meterCall(db: Queryable, c: MeterCall): Promise<MeterOutcome[]> {
  const data = `jsonb_build_object('object', jsonb_build_object('object', 'usage_threshold', 'partner_id', $1::text, 'environment', $2::text, 'meter', m.r_meter, 'period', $3::text, 'threshold', m.r_threshold, 'quantity', m.r_quantity))`;
  const res = await db.query<MeterOutcome>(
    `WITH m AS MATERIALIZED (SELECT * FROM usage_meter($1, $2, $3, $4, $5, $6, $7::text[], $8)),
     ${computedEventCtes(9, data, `JOIN m ON m.r_outcome = 'crossed' AND m.r_meter = e.data -> 'object' ->> 'meter'`)}
     SELECT r_meter AS meter, r_quantity::text AS quantity, r_outcome AS outcome, r_cap::text AS cap, r_threshold::text AS threshold FROM m`,
    [c.partnerId, c.env, c.period, c.id, c.route, c.at, c.meters, c.enforce, ...eventParams(c.thresholdEvents)],
    'usage_meter',
  );
  return res.rows;
}

export interface CounterRow {
  partner_id: string;
  env: 'live' | 'test';
  meter: string;
  quantity: string;
}

/** The counters of a period for some partners. */
export async function countersOf(db: Queryable, period: string, partnerIds: readonly string[]): Promise<CounterRow[]> {
  const res = await db.query<CounterRow>(
    `SELECT partner_id, env, meter, quantity::text AS quantity FROM usage_counters WHERE period = $1 AND partner_id = ANY ($2::text[])`,
    [period, partnerIds],
    'usage_counters_of',
  );
  return res.rows;
}

/** The partners with usage in a period, by id after the cursor. */
export async function partnersWithUsage(db: Queryable, period: string, after: string | undefined, limit: number): Promise<string[]> {
  const res = await db.query<{ partner_id: string }>(
    `SELECT DISTINCT partner_id FROM usage_counters WHERE period = $1 AND ($2::text IS NULL OR partner_id > $2) ORDER BY partner_id LIMIT $3`,
    [period, after ?? null, limit],
    'usage_partners_page',
  );
  return res.rows.map((r) => r.partner_id);
}

/** Deletes up to `batch` usage events that occurred before `before`. */
export async function pruneEvents(db: Queryable, before: Date, batch: number): Promise<number> {
  const res = await db.query(
    `DELETE FROM usage_events WHERE ctid IN (SELECT ctid FROM usage_events WHERE occurred_at < $1 LIMIT $2)`,
    [before, batch],
    'usage_events_prune',
  );
  return res.rowCount ?? 0;
}
