import { Counter } from 'prom-client';
import type { Queryable } from '../../platform/db/database.js';
import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import type { RequestedLine } from './inventory.allocation.js';
import { InventoryErrors, OutOfStockError } from './inventory.errors.js';
import type { Availability, Reservation, ReservationStatus } from './inventory.schemas.js';
import * as holds from './holds.repo.js';
import { levelEventTemplates, levelUpdated } from './inventory.events.js';
import * as levels from './levels.repo.js';
import { presentLevel, type StockLevelsService } from './levels.service.js';
import * as repo from './reservations.repo.js';
import { releaseExpiredReservations, type ExpiryOptions } from './reservations.expiry.js';
import { reserveStock } from './reservations.reserve.js';
import { assertCommittable, planRestock, presentReservation, type ReserveInput } from './reservations.rules.js';

/** The actor and request a settlement records on its ledger rows. */
function who(ctx: ServiceContext): { actor: string | null; requestId: string | null } {
  return { actor: ctx.actor?.id ?? null, requestId: ctx.requestId || null };
}

type Outcome = 'reserved' | 'out_of_stock' | 'committed' | 'released' | 'expired' | 'restocked';

/**
 * Stock reservations for checkout, and the availability it reads. The promise: never oversell.
 * Every transaction that changes stock levels locks them first, all in one (sku, location) order,
 * so concurrent checkouts queue on the rows they share and never deadlock (a one-level reservation
 * takes its single lock inside one statement); and the table's CHECK (reserved ≤ on_hand) stands
 * behind the code. The hot calls cost few round trips: see `holds.repo.ts`.
 *
 * The checkout sequence: `reserve` when checkout starts → `release` on any failure → `commit` in
 * the transaction that creates the order. `restock` puts units back when an order is canceled.
 * Methods that take an optional `tx` run in the caller's transaction when given one.
 */
export class InventoryService {
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly deps: Pick<ModuleDeps, 'metrics'> & { defaultTtlSeconds: number },
    private readonly stock: StockLevelsService,
  ) {
    this.outcomes = new Counter({
      name: 'tessera_inventory_reservations_total',
      help: 'Reservation outcomes: reserved, out_of_stock, committed, released, expired, restocked.',
      labelNames: ['outcome'] as const,
      registers: [deps.metrics.registry],
    });
  }

  /**
   * Holds stock for `input.lines` until `ttlSeconds` from now, all or nothing: each SKU is taken
   * from the location with the most available units, split across locations when needed. Throws
   * `OutOfStockError` (409 `out_of_stock`, one entry per short SKU) and holds nothing if any SKU
   * falls short. A SKU with no stock levels is out of stock, unless it is marked untracked.
   * @example
   *   const r = await inventory.reserve(ctx, { reference: cart.id, lines: [{ sku: 'TEE-M', quantity: 2 }] });
   */
  async reserve(ctx: ServiceContext, input: ReserveInput): Promise<Reservation> {
    try {
      const reservation = await reserveStock(ctx, input, this.deps.defaultTtlSeconds);
      this.count('reserved');
      return reservation;
    } catch (err) {
      if (err instanceof OutOfStockError) this.count('out_of_stock');
      throw err;
    }
  }

  /**
   * Gives an active reservation's units back. Idempotent: releasing a reservation that is already
   * released, expired or committed changes nothing and returns it as it is.
   */
  async release(ctx: ServiceContext, reservationId: string, tx?: Queryable): Promise<Reservation> {
    return this.inTransaction(ctx, tx, async (q) => {
      const { row, lines } = await this.lockWithLines(q, reservationId);
      if (row.status !== 'active') return presentReservation(row, lines);
      const now = ctx.now();
      const held = repo.trackedLines(lines);
      await holds.settleReservations(
        q,
        {
          reservationIds: [row.id],
          status: 'released',
          deltas: held.map((l) => ({ sku: l.sku, location_id: l.location_id, on_hand: 0, reserved: -l.quantity })),
          ledger: [],
          events: [], // only `reserved` moves: see LEVEL_UPDATED
          ...who(ctx),
        },
        now,
      );
      this.count('released');
      return presentReservation({ ...row, status: 'released', updated_at: now }, lines);
    });
  }

  /**
   * Turns an active reservation into sold stock (on_hand and reserved both drop), in the caller's
   * transaction when `tx` is given, so the order and the stock change commit together. Throws 409
   * `reservation_expired` when the expiry job released it first, and `reservation_not_active` when
   * it was released or committed already; the caller must then fail the checkout. A reservation
   * past its deadline that the job has not reached yet still commits: its units are still held.
   */
  async commit(ctx: ServiceContext, reservationId: string, tx?: Queryable): Promise<Reservation> {
    return this.inTransaction(ctx, tx, async (q) => {
      const { row, lines } = await this.lockWithLines(q, reservationId);
      assertCommittable(row);
      return this.settleCommit(ctx, q, row, lines);
    });
  }

  /**
   * `commit` of a reservation as `reserve` returned it, without reading it again (one statement
   * instead of two on checkout's path): the settlement locks it and moves the levels only if it is
   * still active; otherwise it answers as `commit` would (409 expired or not active).
   */
  async commitReserved(ctx: ServiceContext, reservation: Reservation, tx: Queryable): Promise<Reservation> {
    const row: repo.ReservationRow = { ...reservation, expires_at: new Date(reservation.expires_at), created_at: new Date(reservation.created_at), updated_at: new Date(reservation.updated_at) };
    const lines = reservation.lines.map((l, i) => ({ ...l, reservation_id: reservation.id, position: i + 1 }));
    try {
      return await this.settleCommit(ctx, tx, row, lines);
    } catch (err) {
      if (!(err instanceof holds.ReservationsNotActive)) throw err;
      const now = (await repo.findReservations(tx, [reservation.id]))[0];
      if (now) assertCommittable(now);
      throw new AppError(InventoryErrors.reservationNotFound, `No reservation ${reservation.id}.`);
    }
  }

  private async settleCommit(ctx: ServiceContext, q: Queryable, row: repo.ReservationRow, lines: readonly repo.LineRow[]): Promise<Reservation> {
    const now = ctx.now();
    const held = repo.trackedLines(lines);
    const deltas = held.map((l) => ({ sku: l.sku, location_id: l.location_id, on_hand: -l.quantity, reserved: -l.quantity }));
    await holds.settleReservations(
      q,
      {
        reservationIds: [row.id],
        status: 'committed',
        deltas,
        ledger: held.map((l) => ({ id: ctx.ids('sadj'), sku: l.sku, location_id: l.location_id, delta: -l.quantity, reservation_id: row.id })),
        // the settlement locks the levels and fills in the numbers it leaves them with
        events: levelEventTemplates(
          ctx,
          levels.mergeLevelDeltas(deltas).map((d) => presentLevel({ sku: d.sku, location_id: d.location_id, on_hand: 0, reserved: 0, updated_at: now })),
        ),
        ...who(ctx),
      },
      now,
    );
    this.count('committed');
    return presentReservation({ ...row, status: 'committed', updated_at: now }, lines);
  }

  /**
   * Puts a committed reservation's units back on hand at the locations they came from (an order
   * canceled or returned to stock): all units not yet restocked, or `lines` per SKU. Never more
   * than was committed, so calling it again without `lines` restocks nothing twice.
   */
  async restock(ctx: ServiceContext, input: { reservation_id: string; lines?: readonly RequestedLine[]; reason?: string }, tx?: Queryable): Promise<Reservation> {
    return this.inTransaction(ctx, tx, async (q) => {
      const row = await this.lockReservation(q, input.reservation_id);
      if (row.status !== 'committed') {
        throw new AppError(InventoryErrors.reservationNotCommitted, `Reservation ${row.id} is ${row.status}; only committed units can be restocked.`);
      }
      const lines = await repo.linesOf(q, [row.id]);
      const plan = planRestock(lines, input.lines);
      const now = ctx.now();
      const units = plan.lines.flatMap(({ line, units }) => (line.location_id === null ? [] : [{ sku: line.sku, location_id: line.location_id, units }]));
      const locked = await levels.lockLevels(q, [...new Set(units.map((u) => u.sku))].sort());
      const deltas = units.map((u) => ({ sku: u.sku, location_id: u.location_id, on_hand: u.units, reserved: 0 }));
      const after = await levels.applyLevelDeltas(q, deltas, now);
      await levels.insertAdjustments(q, units.map((u) => this.ledgerRow(ctx, 'restock', u.sku, u.location_id, u.units, after, row.id, input.reason ?? null, now)));
      await emit(
        q,
        ctx,
        locked.flatMap((before) => {
          const onHand = after.get(levels.levelKey(before.sku, before.location_id));
          return onHand === undefined ? [] : [levelUpdated(presentLevel(before), presentLevel({ ...before, on_hand: onHand, updated_at: now }))];
        }),
      );
      await repo.addRestocked(q, row.id, plan.byPosition);
      await repo.touch(q, row.id, now);
      if (units.length) this.count('restocked');
      const fresh = lines.map((l) => ({ ...l, restocked: l.restocked + (plan.byPosition.get(l.position) ?? 0) }));
      return presentReservation({ ...row, updated_at: now }, fresh);
    });
  }

  /** The expiry job for one environment: see `releaseExpiredReservations`. */
  async releaseExpired(ctx: Pick<ServiceContext, 'db' | 'now'>, options?: ExpiryOptions): Promise<number> {
    const released = await releaseExpiredReservations(ctx.db, ctx.now(), options);
    if (released) this.count('expired', released);
    return released;
  }

  /** Availability per SKU (see `StockLevelsService.availability`). */
  availability(ctx: ServiceContext, skus: readonly string[]): Promise<Availability[]> {
    return this.stock.availability(ctx, skus);
  }

  async get(ctx: ServiceContext, reservationId: string): Promise<Reservation> {
    const row = (await repo.findReservations(ctx.db, [reservationId]))[0];
    if (!row) throw new AppError(InventoryErrors.reservationNotFound, `No reservation ${reservationId}.`);
    return presentReservation(row, await repo.linesOf(ctx.db, [row.id]));
  }

  /** Reservations, newest first, by reference (e.g. a cart id) and status. */
  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string; reference?: string; status?: ReservationStatus }): Promise<List<Reservation>> {
    const rows = await repo.pageReservations(ctx.db, { ...q, after: q.starting_after, limit: q.limit + 1 });
    const lines = await repo.linesOf(ctx.db, rows.map((r) => r.id));
    return toList(
      rows.map((r) => presentReservation(r, lines.filter((l) => l.reservation_id === r.id))),
      q.limit,
      (r) => r.id,
    );
  }

  private count(outcome: Outcome, n = 1): void {
    this.outcomes.inc({ outcome }, n);
  }

  private inTransaction<T>(ctx: ServiceContext, tx: Queryable | undefined, fn: (q: Queryable) => Promise<T>): Promise<T> {
    return tx ? fn(tx) : ctx.db.transaction(fn);
  }

  /** Locks the reservation row and reads its lines: every status change takes this lock first, then stock levels. */
  private async lockWithLines(q: Queryable, id: string): Promise<repo.ReservationWithLines> {
    const found = await repo.lockWithLines(q, id);
    if (!found) throw new AppError(InventoryErrors.reservationNotFound, `No reservation ${id}.`);
    return found;
  }

  /** Locks the reservation row: every status change takes this lock first, then stock levels. */
  private async lockReservation(q: Queryable, id: string): Promise<repo.ReservationRow> {
    const row = (await repo.findReservations(q, [id], true))[0];
    if (!row) throw new AppError(InventoryErrors.reservationNotFound, `No reservation ${id}.`);
    return row;
  }

  private ledgerRow(
    ctx: ServiceContext,
    kind: 'commit' | 'restock',
    sku: string,
    locationId: string,
    delta: number,
    after: ReadonlyMap<string, number>,
    reservationId: string,
    reason: string | null,
    now: Date,
  ): levels.AdjustmentRow {
    return {
      id: ctx.ids('sadj'),
      sku,
      location_id: locationId,
      kind,
      delta,
      on_hand_after: after.get(levels.levelKey(sku, locationId)) ?? 0,
      reason,
      reservation_id: reservationId,
      actor: ctx.actor?.id ?? null,
      request_id: ctx.requestId || null,
      created_at: now,
    };
  }
}
