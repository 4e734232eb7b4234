import { Counter } from 'prom-client';
import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import type { RequestedLine } from './inventory.allocation.js';
import { InventoryErrors, OutOfStockError } from './inventory.errors.js';
import type { Availability, Reservation, ReservationStatus } from './inventory.schemas.js';
import * as holds from './holds.repo.js';
import type { StockLevelsService } from './levels.service.js';
import * as repo from './reservations.repo.js';
import { releaseExpiredReservations, type ExpiryOptions } from './reservations.expiry.js';
import { reserveStock } from './reservations.reserve.js';
import { moveLineUnits } from './reservations.moves.js';
import { assertCommittable, planRelease, planRestock, planShipment, presentReservation, type ReserveInput } from './reservations.rules.js';

type Outcome = 'reserved' | 'out_of_stock' | 'committed' | 'released' | 'expired' | 'shipped' | 'restocked';

/**
 * Stock reservations for checkout, and the availability it reads. The promise: never oversell.
 * Every transaction that changes stock levels locks them first, all in one (sku, location) order,
 * so concurrent checkouts queue on the rows they share and never deadlock (a one-level reservation
 * takes its single lock inside one statement); and the table's CHECK (reserved ≤ on_hand) stands
 * behind the code. The hot calls cost few round trips: see `holds.repo.ts`.
 *
 * The checkout sequence: `reserve` when checkout starts → `release` on any failure → `commit` in
 * the transaction that creates the order. A committed reservation is the order's allocation: its
 * units stay reserved (on_hand unchanged) until `ship` takes them off hand in the shipment's
 * transaction, or `releaseAllocation` gives back what the order will no longer ship (cancel,
 * refund); `restock` puts shipped units back on hand. The expiry job touches active ones only.
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
      help: 'Reservation outcomes: reserved, out_of_stock, committed, released, expired, shipped, restocked.',
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
      // no events: only `reserved` moves (see LEVEL_UPDATED)
      const held = repo.trackedLines(lines).map((l) => ({ sku: l.sku, location_id: l.location_id, units: l.quantity }));
      await holds.settleReservations(q, { reservationIds: [row.id], status: 'released', held }, now);
      this.count('released');
      return presentReservation({ ...row, status: 'released', updated_at: now }, lines);
    });
  }

  /**
   * Turns an active reservation into its order's allocation: the units stay reserved, on_hand does
   * not move (stock leaves at shipment), and it no longer expires. In the caller's transaction when
   * `tx` is given, so the order and the allocation commit together. Throws 409
   * `reservation_expired` when the expiry job released it first, and `reservation_not_active` when
   * it was released or committed already; the caller must then fail the checkout. A reservation
   * past its deadline that the job has not reached yet still commits: its units are still held.
   */
  async commit(ctx: ServiceContext, reservationId: string, tx?: Queryable): Promise<Reservation> {
    return this.inTransaction(ctx, tx, async (q) => {
      const { row, lines } = await this.lockWithLines(q, reservationId);
      assertCommittable(row);
      await repo.markCommitted(q, row.id, ctx.now()); // locked and active: it commits
      return this.committed(ctx, row, lines);
    });
  }

  /**
   * `commit` of a reservation as `reserve` returned it, without reading it again (one statement
   * instead of two on checkout's path): a conditional update commits it only if it is still
   * active; otherwise it answers as `commit` would (409 expired or not active).
   */
  async commitReserved(ctx: ServiceContext, reservation: Reservation, tx: Queryable): Promise<Reservation> {
    const row: repo.ReservationRow = {
      ...reservation,
      expires_at: new Date(reservation.expires_at),
      stock_at_shipment: true,
      created_at: new Date(reservation.created_at),
      updated_at: new Date(reservation.updated_at),
    };
    const lines = reservation.lines.map((l, i) => ({ ...l, reservation_id: reservation.id, position: i + 1 }));
    if (await repo.markCommitted(tx, row.id, ctx.now())) return this.committed(ctx, row, lines);
    const now = (await repo.findReservations(tx, [reservation.id]))[0];
    if (now) assertCommittable(now);
    throw new AppError(InventoryErrors.reservationNotFound, `No reservation ${reservation.id}.`);
  }

  private committed(ctx: ServiceContext, row: repo.ReservationRow, lines: readonly repo.LineRow[]): Reservation {
    this.count('committed');
    return presentReservation({ ...row, status: 'committed', updated_at: ctx.now() }, lines);
  }

  /**
   * Takes shipped units off hand, in the caller's transaction (the shipment's): for each SKU, on_hand
   * and reserved drop at `location_id`, where the order's allocation must hold that many unshipped
   * units (409 `location_mismatch` when they are allocated elsewhere, 409 `shipment_exceeds_allocation`
   * when the allocation does not hold them), with a `ship` ledger row and `inventory_level.updated`.
   * The reservation's lock serializes shipments of one order, so two cannot ship the same units.
   * @example await inventory.ship(ctx, { reservation_id, location_id: 'sloc_1', lines: [{ sku: 'TEE-M', quantity: 1 }] }, tx);
   */
  async ship(ctx: ServiceContext, input: { reservation_id: string; location_id: string; lines: readonly RequestedLine[] }, tx?: Queryable): Promise<Reservation> {
    return this.inTransaction(ctx, tx, async (q) => {
      const { row, lines } = await this.lockCommitted(q, input.reservation_id, 'shipped');
      // committed under the old rule: its units left on hand at commit, nothing is left to move
      if (!row.stock_at_shipment) return presentReservation(row, lines);
      const plan = planShipment(row, lines, input.location_id, input.lines);
      const fresh = await moveLineUnits(ctx, q, row, lines, plan, 'ship');
      if (plan.lines.length) this.count('shipped');
      return presentReservation({ ...row, updated_at: ctx.now() }, fresh);
    });
  }

  /**
   * Gives back a committed reservation's allocation beyond what its order still has to ship:
   * per SKU, at most `keep` units stay allocated (none for a SKU not named; `[]` when the order is
   * canceled). Reserved drops; on_hand does not move. Idempotent: asking again gives back nothing.
   * A reservation committed under the old rule holds no allocation (its units left at commit).
   */
  async releaseAllocation(ctx: ServiceContext, input: { reservation_id: string; keep: readonly RequestedLine[] }, tx?: Queryable): Promise<Reservation> {
    return this.inTransaction(ctx, tx, async (q) => {
      const { row, lines } = await this.lockCommitted(q, input.reservation_id, 'released');
      const plan = planRelease(row, lines, input.keep);
      if (!plan.lines.length) return presentReservation(row, lines);
      const fresh = await moveLineUnits(ctx, q, row, lines, plan, 'release');
      this.count('released');
      return presentReservation({ ...row, updated_at: ctx.now() }, fresh);
    });
  }

  /**
   * Puts shipped units of a committed reservation back on hand at the locations they left from (a
   * refund with restock): all units shipped and not yet restocked, or `lines` per SKU. Never more
   * than was shipped, so calling it again without `lines` restocks nothing twice.
   */
  async restock(ctx: ServiceContext, input: { reservation_id: string; lines?: readonly RequestedLine[]; reason?: string }, tx?: Queryable): Promise<Reservation> {
    return this.inTransaction(ctx, tx, async (q) => {
      const { row, lines } = await this.lockCommitted(q, input.reservation_id, 'restocked');
      const plan = planRestock(row, lines, input.lines);
      const fresh = await moveLineUnits(ctx, q, row, lines, plan, 'restock', input.reason ?? null);
      if (plan.lines.length) this.count('restocked');
      return presentReservation({ ...row, updated_at: ctx.now() }, fresh);
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

  /**
   * Locks a committed reservation, then reads its lines (their counters change only under this
   * lock, so they are read after it): every change to a committed reservation starts here.
   */
  private async lockCommitted(q: Queryable, id: string, verb: string): Promise<repo.ReservationWithLines> {
    const row = (await repo.findReservations(q, [id], true))[0];
    if (!row) throw new AppError(InventoryErrors.reservationNotFound, `No reservation ${id}.`);
    if (row.status !== 'committed') {
      throw new AppError(InventoryErrors.reservationNotCommitted, `Reservation ${row.id} is ${row.status}; only the units of a committed reservation are ${verb}.`);
    }
    return { row, lines: await repo.linesOf(q, [row.id]) };
  }
}
