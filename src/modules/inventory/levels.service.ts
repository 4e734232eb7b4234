import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { InventoryErrors } from './inventory.errors.js';
import { levelUpdated } from './inventory.events.js';
import type { Availability, StockAdjustment, StockAdjustmentCreated, StockLevel } from './inventory.schemas.js';
import * as repo from './levels.repo.js';
import { findLocation } from './locations.repo.js';

/** The most units one location holds of one SKU (stock levels are 32-bit integers). */
const MAX_ON_HAND = 2_147_483_647;

export function presentLevel(row: Pick<repo.LevelRow, 'sku' | 'location_id' | 'on_hand' | 'reserved' | 'updated_at'>): StockLevel {
  return {
    object: 'stock_level',
    sku: row.sku,
    location_id: row.location_id,
    on_hand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
    updated_at: row.updated_at.toISOString(),
  };
}

export function presentAdjustment(row: repo.AdjustmentRow): StockAdjustment {
  return { object: 'stock_adjustment', ...row, created_at: row.created_at.toISOString() };
}

/** Availability of each SKU: totals over active locations, and every location's own numbers. */
export function summarize(skus: readonly string[], levels: readonly repo.LevelRow[], untracked: ReadonlySet<string>): Availability[] {
  return skus.map((sku) => {
    const mine = levels.filter((l) => l.sku === sku);
    const active = mine.filter((l) => l.active);
    const onHand = active.reduce((n, l) => n + l.on_hand, 0);
    const reserved = active.reduce((n, l) => n + l.reserved, 0);
    return {
      object: 'inventory_item',
      sku,
      tracked: !untracked.has(sku),
      on_hand: onHand,
      reserved,
      available: onHand - reserved,
      locations: mine.map((l) => ({ location_id: l.location_id, active: l.active, on_hand: l.on_hand, reserved: l.reserved, available: l.on_hand - l.reserved })),
    };
  });
}

/** The actor and request recorded on a ledger row. */
function who(ctx: ServiceContext): { actor: string | null; request_id: string | null } {
  return { actor: ctx.actor?.id ?? null, request_id: ctx.requestId || null };
}

/**
 * Operator stock control: setting and adjusting on-hand stock per location, with every change in
 * the `stock_adjustments` ledger, and availability reads. On-hand stock never drops below what
 * active reservations hold, so a count correction cannot oversell a checkout in progress.
 */
export class StockLevelsService {
  private async requireLocation(tx: Parameters<typeof findLocation>[0], locationId: string): Promise<void> {
    // No lock needed: locations are never deleted, and the level's foreign key checks it again.
    if (!(await findLocation(tx, locationId))) throw new AppError(InventoryErrors.stockLocationNotFound, `No stock location ${locationId}.`);
  }

  /** Sets on_hand of `sku` at a location (a stock count). Refused with 422 below the units reserved there. */
  async set(ctx: ServiceContext, locationId: string, sku: string, input: { on_hand: number; reason?: string }): Promise<StockLevel> {
    return ctx.db.transaction(async (tx) => {
      await this.requireLocation(tx, locationId);
      const now = ctx.now();
      const level = await repo.lockOrCreateLevel(tx, sku, locationId, now);
      if (input.on_hand < level.reserved) {
        throw new AppError(
          InventoryErrors.onHandBelowReserved,
          `Cannot set on_hand of ${sku} at ${locationId} to ${input.on_hand}: ${level.reserved} units are reserved by checkouts in progress.`,
          [{ detail: `Must be at least ${level.reserved} (reserved).`, pointer: '/on_hand' }],
        );
      }
      const delta = input.on_hand - level.on_hand;
      if (delta === 0) return presentLevel(level);
      await repo.applyLevelDeltas(tx, [{ sku, location_id: locationId, on_hand: delta, reserved: 0 }], now);
      await repo.insertAdjustments(tx, [
        { id: ctx.ids('sadj'), sku, location_id: locationId, kind: 'set', delta, on_hand_after: input.on_hand, reason: input.reason ?? null, reservation_id: null, ...who(ctx), created_at: now },
      ]);
      const after = presentLevel({ ...level, on_hand: input.on_hand, updated_at: now });
      await emit(tx, ctx, levelUpdated(presentLevel(level), after));
      return after;
    });
  }

  /** Adds or removes units atomically (receiving, damage, shrinkage). Refused with 422 below the reserved units or zero. */
  async adjust(ctx: ServiceContext, locationId: string, sku: string, input: { delta: number; reason: string }): Promise<StockAdjustmentCreated> {
    if (input.delta === 0) throw new AppError(InventoryErrors.invalidAdjustment, 'delta must not be 0: an adjustment adds or removes units.', [{ detail: 'Must not be 0.', pointer: '/delta' }]);
    return ctx.db.transaction(async (tx) => {
      await this.requireLocation(tx, locationId);
      const now = ctx.now();
      const level = await repo.lockOrCreateLevel(tx, sku, locationId, now);
      const after = level.on_hand + input.delta;
      if (after < level.reserved) {
        const floor = level.reserved ? `the ${level.reserved} units reserved by checkouts in progress` : 'zero';
        throw new AppError(
          InventoryErrors.onHandBelowReserved,
          `Cannot remove ${-input.delta} units of ${sku} at ${locationId}: ${level.on_hand} on hand would drop to ${after}, below ${floor}.`,
          [{ detail: `Must be at least ${level.reserved - level.on_hand}.`, pointer: '/delta' }],
        );
      }
      if (after > MAX_ON_HAND) {
        throw new AppError(InventoryErrors.invalidAdjustment, `${level.on_hand} + ${input.delta} units of ${sku} would exceed ${MAX_ON_HAND} on hand at one location.`, [{ detail: `At most ${MAX_ON_HAND - level.on_hand}.`, pointer: '/delta' }]);
      }
      await repo.applyLevelDeltas(tx, [{ sku, location_id: locationId, on_hand: input.delta, reserved: 0 }], now);
      const row: repo.AdjustmentRow = {
        id: ctx.ids('sadj'),
        sku,
        location_id: locationId,
        kind: 'adjustment',
        delta: input.delta,
        on_hand_after: after,
        reason: input.reason,
        reservation_id: null,
        ...who(ctx),
        created_at: now,
      };
      await repo.insertAdjustments(tx, [row]);
      const changed = presentLevel({ ...level, on_hand: after, updated_at: now });
      await emit(tx, ctx, levelUpdated(presentLevel(level), changed));
      return { ...presentAdjustment(row), level: changed };
    });
  }

  /** Availability per SKU, in the order asked (repeats dropped). Unknown SKUs come back with zeros. */
  async availability(ctx: ServiceContext, skus: readonly string[]): Promise<Availability[]> {
    const unique = [...new Set(skus)];
    const [levels, untracked] = await Promise.all([repo.levelsOf(ctx.db, unique), repo.untrackedSkus(ctx.db, unique)]);
    return summarize(unique, levels, untracked);
  }

  /** Marks a SKU tracked (sells only what is in stock, the default) or untracked (never runs out). */
  async setTracked(ctx: ServiceContext, sku: string, tracked: boolean): Promise<Availability> {
    await repo.setTracked(ctx.db, sku, tracked, ctx.now());
    return (await this.availability(ctx, [sku]))[0]!;
  }

  async listAt(ctx: ServiceContext, locationId: string, q: { limit: number; starting_after?: string }): Promise<List<StockLevel>> {
    if (!(await findLocation(ctx.db, locationId))) throw new AppError(InventoryErrors.stockLocationNotFound, `No stock location ${locationId}.`);
    const rows = await repo.pageLevelsAt(ctx.db, locationId, q.starting_after, q.limit + 1);
    return toList(rows.map(presentLevel), q.limit, (l) => l.sku);
  }

  /** The ledger, newest first, filtered by SKU, location or reservation. */
  async listAdjustments(ctx: ServiceContext, q: { limit: number; starting_after?: string; sku?: string; location_id?: string; reservation_id?: string }): Promise<List<StockAdjustment>> {
    const rows = await repo.pageAdjustments(ctx.db, { ...q, after: q.starting_after, limit: q.limit + 1 });
    return toList(rows.map(presentAdjustment), q.limit, (a) => a.id);
  }
}
