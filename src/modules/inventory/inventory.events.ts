import type { ServiceContext } from '../../platform/http/context.js';
import { envelopes, previousAttributes, type EventEnvelope, type NewEvent } from '../../platform/events/outbox.js';
import type { StockLevel } from './inventory.schemas.js';

/**
 * Sent whenever on_hand changes at a (sku, location): operator sets and adjustments, commits into
 * orders, restocks. Holds and releases (and expiries) that move only `reserved` send nothing:
 * every checkout takes and drops them within minutes, so they would outnumber the changes that
 * matter many times over, and the next on_hand change carries `reserved` as it then stands.
 */
export const LEVEL_UPDATED = 'inventory_level.updated';

/** `inventory_level.updated` for a change whose before and after are known here. */
export function levelUpdated(before: StockLevel, after: StockLevel): NewEvent {
  return { type: LEVEL_UPDATED, object: after, previous: previousAttributes(before, after) };
}

/**
 * Envelopes of `inventory_level.updated` for levels whose numbers only the statement that changes
 * them learns (it locks the levels itself): each `object` is a level as the API shows it, with its
 * numbers still to be filled in by that statement (see `holds.settleReservations`).
 */
export function levelEventTemplates(ctx: ServiceContext, levels: readonly StockLevel[]): EventEnvelope[] {
  return envelopes(ctx, levels.map((object) => ({ type: LEVEL_UPDATED, object, previous: {} })));
}

/** A timestamptz as `Date.toISOString` writes it, in SQL (what the presenters put in API objects). */
export function isoTimestamp(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
