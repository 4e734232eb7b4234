import type { Logger } from 'pino';
import type { Queryable } from '../../platform/db/database.js';
import { emit, previousAttributes, type EventEnvelope, type NewEvent } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { CommissionConfig } from '../../config.js';
import { commissionRuleProblems, type CommissionRules, type SellerCommissionOverride } from './commission.js';
import { SellerOrderErrors } from './seller-orders.errors.js';
import type { OrderFacts, SellerOrdersCatalogPort, SellerOrdersOrdersPort, SellerOrdersShipmentsPort } from './seller-orders.ports.js';
import { presentSellerOrder } from './seller-orders.present.js';
import * as repo from './seller-orders.repo.js';
import type { SellerOrder, SellerOrderListQuery } from './seller-orders.schemas.js';
import { splitOrder } from './seller-orders.split.js';
import { sellerOrderEvent, sellerOrderStatus } from './seller-orders.status.js';

export interface SellerOrdersOptions {
  commission: CommissionConfig;
  shippingPayee: 'seller' | 'platform';
  logger: Logger;
}

export interface SellerOrdersPorts {
  orders: SellerOrdersOrdersPort;
  shipments: SellerOrdersShipmentsPort;
  catalog: SellerOrdersCatalogPort;
}

/** The seller a seller key is confined to; null for operator keys and background work. */
const sellerOf = (ctx: ServiceContext): string | null => ctx.actor?.sellerId ?? null;

/**
 * Seller orders (#5): one per seller of an order, made from `order.created` by an outbox
 * subscriber, their statuses kept derived from the order's and shipments' events, and read by
 * operators (all) and sellers (their own).
 */
export class SellerOrdersService {
  constructor(
    private readonly ports: SellerOrdersPorts,
    private readonly options: SellerOrdersOptions,
  ) {}

  async get(ctx: ServiceContext, id: string): Promise<SellerOrder> {
    const [found] = await repo.findSellerOrders(ctx.db, [id], sellerOf(ctx));
    if (!found) throw new AppError(SellerOrderErrors.sellerOrderNotFound, `No seller order ${id}.`);
    return presentSellerOrder(found);
  }

  async list(ctx: ServiceContext, q: SellerOrderListQuery): Promise<List<SellerOrder>> {
    const seller = sellerOf(ctx);
    if (seller && q.seller_id !== undefined && q.seller_id !== seller) return { object: 'list', data: [], has_more: false, next_cursor: null };
    const rows = await repo.pageSellerOrders(ctx.db, { after: q.starting_after, limit: q.limit + 1, sellerId: seller ?? q.seller_id ?? null, orderId: q.order_id, status: q.status });
    return toList(rows.map(presentSellerOrder), q.limit, (o) => o.id);
  }

  /**
   * The outbox subscriber, in the dispatcher's transaction: `order.created` splits the order;
   * any later `order.*` or `shipment.*` event re-derives its seller orders from the order and
   * shipments as they stand now (so events handled late or twice converge on the same state).
   */
  async onEvents(tx: Queryable, events: readonly EventEnvelope[], ctx: ServiceContext): Promise<void> {
    const touched = new Set<string>();
    for (const e of events) {
      const object = e.data.object;
      if (e.type === 'order.created' && typeof object.id === 'string') {
        // most orders have no seller lines: their event says so, without reading the order
        if (hasSellerLines(object.lines)) await this.split(tx, ctx, object.id);
      }
      else if (e.type.startsWith('order.') && typeof object.id === 'string') touched.add(object.id);
      else if (e.type.startsWith('shipment.') && typeof object.order_id === 'string') touched.add(object.order_id);
    }
    if (touched.size) await this.refresh(tx, ctx, [...touched]);
  }

  /** Creates the seller orders of an order once (UNIQUE (order_id, seller_id)), with `seller_order.created` for each. */
  async split(tx: Queryable, ctx: ServiceContext, orderId: string): Promise<number> {
    const order = await this.ports.orders.find(ctx, tx, orderId);
    if (!order || !order.lines.some((l) => l.seller_id)) return 0;
    const sellers = [...new Set(order.lines.flatMap((l) => (l.seller_id ? [l.seller_id] : [])))];
    const overrides = await repo.commissionOverrides(tx, sellers);
    const categoryPaths = await this.ports.catalog.categoryPaths(ctx, tx, [...new Set(order.lines.filter((l) => l.seller_id).map((l) => l.product_id))]);
    const parts = splitOrder(order, { rules: this.rules(overrides), shippingPayee: this.options.shippingPayee, categoryPaths, newId: () => ctx.ids('so'), now: ctx.now() });
    const events: NewEvent[] = [];
    for (const part of parts) {
      if (await repo.insertSellerOrder(tx, part.order, part.lines)) events.push({ type: 'seller_order.created', object: presentSellerOrder(part) });
    }
    await emit(tx, ctx, events);
    return events.length;
  }

  /** The platform's rules with these sellers' own terms; a seller's invalid terms are ignored (and logged) rather than blocking its orders. */
  private rules(overrides: Record<string, SellerCommissionOverride>): CommissionRules {
    const c = this.options.commission;
    const base: CommissionRules = { defaultRatePpm: c.ratePpm, categoryRatesPpm: c.categoryRatesPpm, fixedFeePerOrder: c.fixedFee, minimumFee: c.minimumFee, sellerOverrides: {} };
    const valid: Record<string, SellerCommissionOverride> = {};
    for (const [sellerId, o] of Object.entries(overrides)) {
      const problems = commissionRuleProblems({ ...base, sellerOverrides: { [sellerId]: o } });
      if (problems.length) this.options.logger.warn({ seller_id: sellerId, problems }, 'seller commission terms are invalid; using the platform terms');
      else valid[sellerId] = o;
    }
    return { ...base, sellerOverrides: valid };
  }

  /**
   * Re-derives the status and `delivered_at` of the seller orders of these orders from the order
   * and its shipments as they are now; writes and announces only what changed
   * (`seller_order.<status>` for a new status, else `seller_order.updated`).
   */
  async refresh(tx: Queryable, ctx: ServiceContext, orderIds: readonly string[]): Promise<void> {
    const all = await repo.sellerOrdersOf(tx, orderIds, true);
    const events: NewEvent[] = [];
    for (const orderId of new Set(all.map((s) => s.order.order_id))) {
      const order = await this.ports.orders.find(ctx, tx, orderId);
      if (!order) continue;
      const shipments = await this.ports.shipments.ofOrder(ctx, tx, orderId);
      for (const so of all.filter((s) => s.order.order_id === orderId)) {
        const next = derive(so.order, order, shipments);
        if (next.status === so.order.status && next.delivered_at?.getTime() === so.order.delivered_at?.getTime()) continue;
        const now = ctx.now();
        await repo.updateDerived(tx, so.order.id, next, now);
        const before = presentSellerOrder(so);
        const after = presentSellerOrder({ order: { ...so.order, ...next, updated_at: now }, lines: so.lines });
        events.push({ type: next.status !== so.order.status ? sellerOrderEvent(next.status) : 'seller_order.updated', object: after, previous: previousAttributes(before, after) });
      }
    }
    await emit(tx, ctx, events);
  }
}

/** Whether an `order.*` event's lines (unknown shape: an event's data) name a seller; true when it cannot tell. */
function hasSellerLines(lines: unknown): boolean {
  if (!Array.isArray(lines)) return true;
  return lines.some((l: unknown) => typeof l !== 'object' || l === null || !('seller_id' in l) || l.seller_id !== null);
}

/** A seller order's status and delivery time from its order's lines and shipments (only its own). */
function derive(so: repo.SellerOrderRow, order: OrderFacts, shipments: Awaited<ReturnType<SellerOrdersShipmentsPort['ofOrder']>>): Pick<repo.SellerOrderRow, 'status' | 'delivered_at'> {
  const lines = order.lines.filter((l) => l.seller_id === so.seller_id);
  const ids = new Set(lines.map((l) => l.id));
  const own = shipments.filter((s) => s.lines.some((l) => ids.has(l.line_id)));
  const status = sellerOrderStatus({ parent: order.status, lines, shipments: own.map((s) => ({ delivered: s.status === 'delivered' })) });
  // the last of its units delivered: kept once set (settlements count the hold from it)
  const lastDelivery = own.reduce<number | null>((max, s) => (s.delivered_at ? Math.max(max ?? 0, Date.parse(s.delivered_at)) : max), null);
  const delivered_at = so.delivered_at ?? (status === 'completed' && lastDelivery !== null ? new Date(lastDelivery) : null);
  return { status, delivered_at };
}
