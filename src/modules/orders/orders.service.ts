import type { Queryable } from '../../platform/db/database.js';
import { emit, previousAttributes } from '../../platform/events/outbox.js';
import { AppError } from '../../platform/http/errors.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { lineAmounts, type PricedCart } from '../carts/index.js';
import { OrderErrors } from './orders.errors.js';
import { orderEvent, statusEvent } from './orders.events.js';
import type { OrderInventoryPort, OrderPaymentsPort, OrderPromotionsPort } from './orders.ports.js';
import { presentOrder } from './orders.present.js';
import * as repo from './orders.repo.js';
import type { Order, OrderListQuery, RefundCreate } from './orders.schemas.js';
import { canTransition, type OrderStatus } from './orders.status.js';
import { mergeRefundLines, refundAmount, shippedUnitsRefunded, stillToShip } from './orders.refunds.js';

/** Orders: created by checkout, then captured, canceled and refunded through their state machine. */
export class OrdersService {
  constructor(
    private readonly payments: OrderPaymentsPort,
    private readonly inventory: OrderInventoryPort,
    private readonly promotions: OrderPromotionsPort,
  ) {}

  /** Writes the order of a priced cart inside checkout's transaction. */
  async createFromCart(tx: Queryable, ctx: ServiceContext, input: { orderId: string; priced: PricedCart; paymentId: string | null; reservationId: string | null; status: OrderStatus; experiments?: Record<string, string> }): Promise<Order> {
    const { cart, items } = input.priced.data;
    const { totals } = input.priced;
    const lines: repo.OrderLineRow[] = items.map((item, position) => {
      const { subtotal, discount, tax, total } = lineAmounts(input.priced, item);
      return {
        id: ctx.ids('oli'),
        order_id: input.orderId,
        position,
        variant_id: item.variant_id,
        product_id: item.product_id,
        sku: item.sku,
        title: item.title,
        seller_id: item.seller_id,
        unit_amount: item.unit_amount,
        quantity: item.quantity,
        subtotal,
        discount,
        tax,
        total,
        quantity_refunded: 0,
        quantity_fulfilled: 0,
      };
    });
    const shipping = input.priced.shipping;
    const row: Omit<repo.OrderRow, 'amount_refunded' | 'canceled_at' | 'created_at' | 'updated_at'> = {
      id: input.orderId,
      cart_id: cart.id,
      status: input.status,
      region_id: cart.region_id,
      currency: cart.currency,
      email: cart.email,
      customer_id: cart.customer_id,
      shipping_address: cart.shipping_address,
      billing_address: cart.billing_address,
      shipping_method: shipping && { option_id: shipping.option.id, name: shipping.option.name, amount: shipping.amount },
      promotions: totals.promotions.applied,
      subtotal: totals.subtotal,
      discount_total: totals.discount_total,
      shipping_total: totals.shipping_total,
      shipping_discount: totals.shipping_discount,
      tax_total: totals.tax_total,
      tax_inclusive: totals.tax_inclusive,
      total: totals.total,
      payment_id: input.paymentId,
      reservation_id: input.reservationId,
      metadata: cart.metadata,
      experiments: input.experiments ?? {},
    };
    const now = ctx.now();
    await repo.insertOrder(tx, row, lines, now);
    // what was written, presented without reading it back
    return presentOrder({ order: { ...row, amount_refunded: 0, canceled_at: null, created_at: now, updated_at: now }, lines });
  }

  private async load(ctx: ServiceContext, id: string, db: Queryable = ctx.db, lock = false): Promise<repo.OrderWithLines> {
    const [found] = await repo.loadOrders(db, [id], lock);
    if (!found) throw new AppError(OrderErrors.orderNotFound, `No order ${id}.`);
    return found;
  }

  async get(ctx: ServiceContext, id: string): Promise<Order> {
    return presentOrder(await this.load(ctx, id));
  }

  async list(ctx: ServiceContext, q: OrderListQuery): Promise<List<Order>> {
    const ids = await repo.pageOrderIds(ctx.db, {
      after: q.starting_after,
      limit: q.limit + 1,
      status: q.status,
      email: q.email,
      customer_id: q.customer_id,
      createdGte: q['created[gte]'] ? new Date(q['created[gte]']) : undefined,
      createdLt: q['created[lt]'] ? new Date(q['created[lt]']) : undefined,
    });
    const rows = await repo.loadOrders(ctx.db, ids);
    return toList(rows.map(presentOrder), q.limit, (o) => o.id);
  }

  async hasOrders(ctx: ServiceContext, who: { customerId: string | null; email: string | null }): Promise<boolean> {
    return repo.hasOrders(ctx.db, who);
  }

  /**
   * Moves an order, checked against the transition table, and writes its event (`order.paid`,
   * `order.canceled`, … see `statusEvent`) in the same transaction: `tx`, or one opened here. A
   * concurrent move loses with a 409. Returns the order as moved.
   */
  async transition(ctx: ServiceContext, id: string, to: OrderStatus, tx?: Queryable): Promise<Order> {
    if (!tx) return ctx.db.transaction((t) => this.transition(ctx, id, to, t));
    // locked, so the order presented below is exactly what the update leaves, without reading it again
    const before = await this.load(ctx, id, tx, true);
    const { order } = before;
    if (!canTransition(order.status, to)) throw new AppError(OrderErrors.illegalTransition, `Order ${id} is ${order.status}; it cannot become ${to}.`);
    const now = ctx.now();
    const canceledAt = to === 'canceled' ? now : order.canceled_at;
    if (!(await repo.setStatus(tx, id, order.status, to, now, canceledAt ? { canceled_at: canceledAt } : {}))) {
      throw new AppError(OrderErrors.illegalTransition, `Order ${id} changed status meanwhile; retry.`);
    }
    const after = presentOrder({ order: { ...order, status: to, canceled_at: canceledAt, updated_at: now }, lines: before.lines });
    await emit(tx, ctx, orderEvent(statusEvent(to), after, previousAttributes(presentOrder(before), after)));
    return after;
  }

  /**
   * Records units handed to a carrier, in the caller's transaction (the shipment's): the lines'
   * shipped quantities grow (never past their unrefunded units), and the order becomes
   * `partially_fulfilled`, or `fulfilled` once every unrefunded unit has shipped. Answers, with
   * the order, its stock allocation (reservation) and the units per SKU the shipment takes.
   */
  async recordFulfillment(
    ctx: ServiceContext,
    tx: Queryable,
    id: string,
    lines: readonly { line_id: string; quantity: number }[],
  ): Promise<{ order: Order; reservationId: string | null; units: { sku: string; quantity: number }[] }> {
    const before = await this.load(ctx, id, tx, true);
    const { order } = before;
    if (order.status !== 'paid' && order.status !== 'partially_fulfilled') {
      throw new AppError(OrderErrors.illegalTransition, `Order ${id} is ${order.status}; only a paid order ships.`);
    }
    if (!(await repo.fulfillLines(tx, id, lines))) {
      throw new AppError(OrderErrors.shipmentExceedsOrder, `Order ${id} has no such line, or not that many unshipped units.`, [{ detail: 'More than the line has left to ship.', pointer: '/lines' }]);
    }
    const shipped = new Map(lines.map((l) => [l.line_id, l.quantity]));
    const afterLines = before.lines.map((l) => ({ ...l, quantity_fulfilled: l.quantity_fulfilled + (shipped.get(l.id) ?? 0) }));
    const to: OrderStatus = afterLines.every((l) => l.quantity_fulfilled >= l.quantity - l.quantity_refunded) ? 'fulfilled' : 'partially_fulfilled';
    const now = ctx.now();
    if (to !== order.status && !(await repo.setStatus(tx, id, order.status, to, now, {}))) {
      throw new AppError(OrderErrors.illegalTransition, `Order ${id} changed status meanwhile; retry.`);
    }
    const after = presentOrder({ order: { ...order, status: to, updated_at: to !== order.status ? now : order.updated_at }, lines: afterLines });
    await emit(tx, ctx, orderEvent(to !== order.status ? statusEvent(to) : 'order.updated', after, previousAttributes(presentOrder(before), after)));
    const units = new Map<string, number>();
    for (const l of before.lines) if (shipped.has(l.id)) units.set(l.sku, (units.get(l.sku) ?? 0) + (shipped.get(l.id) ?? 0));
    return { order: after, reservationId: order.reservation_id, units: [...units].map(([sku, quantity]) => ({ sku, quantity })) };
  }

  /** fulfilled → completed, once its shipments are delivered (fulfillment asks); any other status is left as it is. */
  async completeDelivered(ctx: ServiceContext, tx: Queryable, id: string): Promise<void> {
    const { order } = await this.load(ctx, id, tx, true);
    if (order.status === 'fulfilled') await this.transition(ctx, id, 'completed', tx);
  }

  /** Captures a pending order's payment (regions with manual capture): pending → paid. */
  async capture(ctx: ServiceContext, id: string): Promise<Order> {
    const { order } = await this.load(ctx, id);
    if (!canTransition(order.status, 'paid')) throw new AppError(OrderErrors.illegalTransition, `Order ${id} is ${order.status}; only a pending order is captured.`);
    if (order.payment_id) await this.payments.capture(ctx, order.payment_id);
    return this.transition(ctx, id, 'paid');
  }

  /**
   * Cancels an order that has not shipped: voids a pending payment or refunds a captured one, and
   * gives its stock allocation back (reserved drops; nothing had left on hand). The status moves first (a conditional update, so two cancels cannot both
   * proceed); if the payment cannot be undone, it moves back and the problem is returned.
   * No transaction is held across processor calls: a pool connection is never parked on one.
   */
  async cancel(ctx: ServiceContext, id: string): Promise<Order> {
    const before = await this.load(ctx, id);
    const { order } = before;
    if (!canTransition(order.status, 'canceled')) throw new AppError(OrderErrors.illegalTransition, `Order ${id} is ${order.status}; it cannot be canceled.`);
    if (!(await repo.setStatus(ctx.db, id, order.status, 'canceled', ctx.now(), { canceled_at: ctx.now() }))) {
      throw new AppError(OrderErrors.illegalTransition, `Order ${id} changed status meanwhile; retry.`);
    }
    let refunded = 0;
    try {
      if (order.payment_id && order.status === 'pending') await this.payments.void(ctx, order.payment_id);
      const remaining = order.total - order.amount_refunded;
      if (order.payment_id && order.status === 'paid' && remaining > 0) {
        const made = await this.payments.refund(ctx, order.payment_id, { amount: remaining, reason: 'requested_by_customer', idempotencyRef: `cancel_${id}` });
        if (made.status === 'failed') throw new AppError(OrderErrors.refundFailed, `The processor refused refund ${made.id}; the order was not canceled.`);
        refunded = remaining;
      }
    } catch (err) {
      await repo.setStatus(ctx.db, id, 'canceled', order.status, ctx.now());
      throw err;
    }
    // The cancel stands only now that the money is back, so it is announced now, with what it
    // settles: the refund on the order's counters and the codes it used, which count against
    // their limits no more.
    const canceled = await ctx.db.transaction(async (tx) => {
      if (refunded) await repo.reserveRefund(tx, id, refunded, [], ctx.now());
      await this.promotions.unredeem(tx, id);
      if (order.reservation_id) await this.inventory.release(ctx, tx, order.reservation_id, []);
      const after = presentOrder(await this.load(ctx, id, tx));
      await emit(tx, ctx, orderEvent('order.canceled', after, previousAttributes(presentOrder(before), after)));
      return after;
    });
    // only an order committed before stock left at shipment (migration 002) has units off hand to put back
    if (order.reservation_id) await this.inventory.restock(ctx, order.reservation_id, null);
    return canceled;
  }

  /**
   * Refunds part or all of a captured order; a full refund moves it to `refunded`. The order's
   * counters (amount and lines) are reserved first by conditional updates, so concurrent refunds
   * can never pass the order's total or a line's quantity; then the money moves (the payments
   * module also never refunds beyond the capture). A refund the processor refused gives the
   * reservation back and answers 502; one not yet confirmed (`pending`) keeps it. Once the refund
   * stands, the stock allocation of units the order will no longer ship is given back (always),
   * and with `restock` the refunded units that had shipped are put back on hand.
   */
  async refund(ctx: ServiceContext, id: string, input: RefundCreate): Promise<{ refund: OrderRefundMade; order: Order }> {
    const { order, lines } = await this.load(ctx, id);
    if (!order.payment_id || !['paid', 'partially_fulfilled', 'fulfilled', 'completed'].includes(order.status)) {
      throw new AppError(OrderErrors.orderNotPaid, `Order ${id} is ${order.status}; only a captured order is refunded (cancel a pending one).`);
    }
    const amount = refundAmount(order, lines, input);
    const refundLines = mergeRefundLines(input.lines ?? []);
    let shippedBack: { sku: string; quantity: number }[] = [];
    const refundedTotal = await ctx.db.transaction(async (tx) => {
      const total = await repo.reserveRefund(tx, id, amount, refundLines, ctx.now());
      if (total !== undefined && total === order.total) await repo.setStatus(tx, id, order.status, 'refunded', ctx.now());
      // the order is locked by the update above: what had shipped cannot change until this commits
      if (total !== undefined && input.restock && order.reservation_id && refundLines.length) shippedBack = shippedUnitsRefunded((await this.load(ctx, id, tx)).lines, refundLines);
      return total;
    });
    if (refundedTotal === undefined) throw new AppError(OrderErrors.refundExceedsCaptured, `Another refund of order ${id} came first; ${amount} no longer fits what is left. Read the order and retry.`);
    let made: OrderRefundMade;
    try {
      // a retried request (same Idempotency-Key) is the same refund at the processor too
      made = await this.payments.refund(ctx, order.payment_id, { amount, reason: input.reason ?? null, idempotencyRef: ctx.idempotencyKey ? `${id}_${ctx.idempotencyKey}` : null });
      if (made.status === 'failed') throw new AppError(OrderErrors.refundFailed, `The processor refused refund ${made.id}; nothing was refunded.`);
    } catch (err) {
      await ctx.db.transaction(async (tx) => {
        await repo.releaseRefund(tx, id, amount, refundLines, ctx.now());
        await repo.setStatus(tx, id, 'refunded', order.status, ctx.now());
      });
      throw err;
    }
    // The counters moved with the reservation, but the refund stands only now that the processor
    // took it (or holds it pending): announced now, so a refund given back above never is.
    const previous = { amount_refunded: refundedTotal - amount, ...(refundedTotal === order.total ? { status: order.status } : {}) };
    const refunded = await ctx.db.transaction(async (tx) => {
      // locked, so no shipment takes units between reading what is left to ship and releasing the rest
      const now = await this.load(ctx, id, tx, true);
      if (order.reservation_id) await this.inventory.release(ctx, tx, order.reservation_id, stillToShip(now.order, now.lines));
      const after = presentOrder(now);
      await emit(tx, ctx, orderEvent('order.refunded', after, previous));
      return after;
    });
    if (shippedBack.length && order.reservation_id) await this.inventory.restock(ctx, order.reservation_id, shippedBack);
    return { refund: made, order: refunded };
  }
}

/** A refund as the payments module answered it. */
export interface OrderRefundMade {
  id: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  created_at: Date;
}
