import { envelopes } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { InventoryErrors } from './inventory.errors.js';
import type { StockLocation, StockLocationCreate, StockLocationPatch } from './inventory.schemas.js';
import * as repo from './locations.repo.js';

function present(row: repo.LocationRow): StockLocation {
  return {
    id: row.id,
    object: 'stock_location',
    name: row.name,
    code: row.code,
    address: row.address,
    active: row.active,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Turns the unique violation on `code` into its 409 problem; anything else is rethrown. */
function codeTaken(err: unknown, code: string | null | undefined): never {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'stock_locations_code_key') {
    throw new AppError(InventoryErrors.stockLocationCodeTaken, `The code "${code ?? ''}" is already used by another stock location.`, [{ detail: 'Code taken.', pointer: '/code' }]);
  }
  throw err;
}

/** Stock locations: warehouses, stores, drop-shippers. Each holds stock levels per SKU. */
export class StockLocationsService {
  /** Creates a location; its `stock_location.created` event is written by the same statement. */
  async create(ctx: ServiceContext, input: StockLocationCreate): Promise<StockLocation> {
    const fields = { id: ctx.ids('sloc'), name: input.name, code: input.code ?? null, address: input.address ?? null, active: input.active ?? true };
    const now = ctx.now();
    const event = envelopes(ctx, { type: 'stock_location.created', object: present({ ...fields, created_at: now, updated_at: now }) });
    const row = await repo.insertLocation(ctx.db, fields, now, event).catch((err: unknown) => codeTaken(err, input.code));
    return present(row);
  }

  async get(ctx: ServiceContext, id: string): Promise<StockLocation> {
    const row = await repo.findLocation(ctx.db, id);
    if (!row) throw new AppError(InventoryErrors.stockLocationNotFound, `No stock location ${id}.`);
    return present(row);
  }

  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string; active?: boolean }): Promise<List<StockLocation>> {
    const rows = await repo.pageLocations(ctx.db, q.starting_after, q.limit + 1, q.active);
    return toList(rows.map(present), q.limit, (l) => l.id);
  }

  /**
   * Renames, re-codes, moves or (de)activates a location. Deactivating keeps its stock and its
   * holds. The update statement writes `stock_location.updated` itself: only it sees the row before.
   */
  async update(ctx: ServiceContext, id: string, patch: StockLocationPatch): Promise<StockLocation> {
    // the statement replaces this placeholder object with the location as updated
    const [event] = envelopes(ctx, { type: 'stock_location.updated', object: {} });
    const row = await repo.updateLocation(ctx.db, id, patch, ctx.now(), event!).catch((err: unknown) => codeTaken(err, patch.code));
    if (!row) throw new AppError(InventoryErrors.stockLocationNotFound, `No stock location ${id}.`);
    return present(row);
  }
}
