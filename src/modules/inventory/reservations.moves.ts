import type { Queryable } from '../../platform/db/database.js';
import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { levelUpdated } from './inventory.events.js';
import * as levels from './levels.repo.js';
import { presentLevel } from './levels.service.js';
import * as repo from './reservations.repo.js';
import type { LinePlan } from './reservations.rules.js';

/**
 * What happens to the units a plan takes from a committed reservation's lines:
 * - `ship`: they leave the location (on_hand and reserved drop), with a `ship` ledger row each;
 * - `restock`: shipped units come back on hand, with a `restock` ledger row each;
 * - `release`: the allocation is given back (reserved drops, on_hand untouched: no ledger row).
 */
export type LineMove = 'ship' | 'restock' | 'release';

const COUNTER: Record<LineMove, 'shipped' | 'restocked' | 'released'> = { ship: 'shipped', restock: 'restocked', release: 'released' };

/**
 * Applies `plan` to the reservation `row`, whose lock the caller holds (every status or line
 * change takes it first, then the levels, in (sku, location) order as every stock writer does):
 * the levels, the ledger, `inventory_level.updated` per level whose on_hand moved, the lines'
 * counters. Returns the lines as left.
 */
export async function moveLineUnits(
  ctx: ServiceContext,
  q: Queryable,
  row: repo.ReservationRow,
  lines: readonly repo.LineRow[],
  plan: LinePlan,
  move: LineMove,
  reason: string | null = null,
): Promise<repo.LineRow[]> {
  if (!plan.lines.length) return [...lines];
  const now = ctx.now();
  const units = plan.lines.flatMap(({ line, units: n }) => (line.location_id === null ? [] : [{ sku: line.sku, location_id: line.location_id, units: n }]));
  if (units.length) {
    const onHand = move === 'ship' ? -1 : move === 'restock' ? 1 : 0;
    const reserved = move === 'restock' ? 0 : -1;
    const locked = await levels.lockLevels(q, [...new Set(units.map((u) => u.sku))].sort());
    const deltas = units.map((u) => ({ sku: u.sku, location_id: u.location_id, on_hand: onHand * u.units, reserved: reserved * u.units }));
    const after = await levels.applyLevelDeltas(q, deltas, now);
    if (onHand !== 0) {
      // a reservation holds one line per (sku, location), so each ledger row carries its level as left
      await levels.insertAdjustments(
        q,
        units.map((u) => ({
          id: ctx.ids('sadj'),
          sku: u.sku,
          location_id: u.location_id,
          kind: move === 'ship' ? 'ship' : 'restock',
          delta: onHand * u.units,
          on_hand_after: after.get(levels.levelKey(u.sku, u.location_id)) ?? 0,
          reason,
          reservation_id: row.id,
          actor: ctx.actor?.id ?? null,
          request_id: ctx.requestId || null,
          created_at: now,
        })),
      );
      const merged = new Map(levels.mergeLevelDeltas(deltas).map((d) => [levels.levelKey(d.sku, d.location_id), d]));
      const events = locked.flatMap((before) => {
        const d = merged.get(levels.levelKey(before.sku, before.location_id));
        return d ? [levelUpdated(presentLevel(before), presentLevel({ ...before, on_hand: before.on_hand + d.on_hand, reserved: before.reserved + d.reserved, updated_at: now }))] : [];
      });
      await emit(q, ctx, events);
    }
  }
  const column = COUNTER[move];
  await repo.addToLines(q, row.id, column, plan.byPosition);
  await repo.touch(q, row.id, now);
  return lines.map((l) => ({ ...l, [column]: l[column] + (plan.byPosition.get(l.position) ?? 0) }));
}
