import { previousAttributes, type NewEvent } from '../../platform/events/outbox.js';
import type { StockLevel } from './inventory.schemas.js';

/**
 * Sent whenever on_hand changes at a (sku, location): operator sets and adjustments, shipments
 * (stock leaves when the shipment is created), restocks. Holds, commits (an order's allocation
 * stays reserved) and releases (expiries, canceled allocations) that move only `reserved` send nothing:
 * every checkout takes and drops them within minutes, so they would outnumber the changes that
 * matter many times over, and the next on_hand change carries `reserved` as it then stands.
 */
export const LEVEL_UPDATED = 'inventory_level.updated';

/** `inventory_level.updated` for a change whose before and after are known here. */
export function levelUpdated(before: StockLevel, after: StockLevel): NewEvent {
  return { type: LEVEL_UPDATED, object: after, previous: previousAttributes(before, after) };
}

/** A timestamptz as `Date.toISOString` writes it, in SQL (what the presenters put in API objects). */
export function isoTimestamp(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
