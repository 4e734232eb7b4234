import type { Queryable } from '../../platform/db/database.js';
import type { Dispatcher } from '../../platform/events/dispatcher.js';
import { emit, type EventEnvelope } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { Commission, SellerOrder } from './commission.js';
import { LedgerErrors } from './ledger.errors.js';
import { SellerOrderErrors } from './seller-orders.errors.js';
import { SellerErrors } from './sellers.errors.js';
import { sellerStatus } from './sellers.repo.js';
import * as repo from './ledger.repo.js';
import { refundTargets, splitPending, type RefundFacts, type RefundedLine } from './ledger.refunds.js';
import { assertBalanced, chargebackEntries, refundEntries, saleEntries, type LedgerEntry, type SellerSale } from './ledger.rules.js';

/** The sale as the ledger rules see it, from the seller order's stored facts. */
export function saleOf(so: repo.SellerOrderFacts): { order: SellerOrder; commission: Commission; sale: SellerSale } {
  const order: SellerOrder = { seller_id: so.seller_id, currency: so.currency, lines: [{ line_id: so.id, amount: so.goods_amount, category_paths: [] }] };
  const total = so.commission_amount;
  const commission: Commission = { seller_id: so.seller_id, currency: so.currency, total, byLine: [], rate_total: total, fixed_fee: 0, minimum_applied: false, minimum_topup: 0, capped_by: 0 };
  const shipping = { amount: so.shipping_amount, payee: so.shipping_payee };
  return { order, commission, sale: { seller_id: so.seller_id, currency: so.currency, goods_amount: so.goods_amount, commission: total, shipping } };
}

/** Entries of one posting about a seller order, as rows: seller legs carry the seller id. */
export function entryRows(entries: readonly LedgerEntry[], sellerId: string, links: { seller_order_id?: string; payout_id?: string }): repo.EntryRow[] {
  assertBalanced(entries);
  return entries.map((e) => ({ ...e, seller_id: e.account.startsWith('seller:') ? sellerId : null, seller_order_id: links.seller_order_id ?? null, payout_id: links.payout_id ?? null }));
}

/** What an `order.*` event says about the order's refunds (missing fields read as nothing refunded). */
function refundFacts(object: Record<string, unknown>): RefundFacts & { lines: (RefundedLine & { seller_id: unknown })[] } {
  const num = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : 0);
  const totals = object.totals as { total?: unknown } | undefined;
  const lines = Array.isArray(object.lines) ? (object.lines as Record<string, unknown>[]) : [];
  return {
    total: num(totals?.total),
    amount_refunded: num(object.amount_refunded),
    lines: lines.map((l) => ({ id: String(l.id), quantity: num(l.quantity), quantity_refunded: num(l.quantity_refunded), total: num(l.total), seller_id: l.seller_id })),
  };
}

export interface Chargeback {
  id: string;
  object: 'chargeback';
  seller_order_id: string;
  seller_id: string;
  currency: string;
  amount: number;
  reason: string | null;
  created_at: string;
}

/** Posts the seller ledger: sales and refunds from events, chargebacks from operators. */
export class LedgerService {
  /** Registers the ledger's outbox subscriber: sales on `seller_order.created`, refunds on `order.refunded` / `order.canceled`. */
  subscribe(dispatcher: Dispatcher): void {
    dispatcher.subscribe('marketplace.ledger', async (tx, events, ctx) => {
      for (const e of events) await this.onEvent(tx, ctx, e);
    });
  }

  private async onEvent(tx: Queryable, ctx: ServiceContext, e: EventEnvelope): Promise<void> {
    const object = e.data.object;
    if (e.type === 'seller_order.created' && typeof object.id === 'string') {
      const so = await repo.sellerOrderFacts(tx, object.id, true);
      if (so) await this.postSale(tx, ctx, so);
    } else if ((e.type === 'order.refunded' || e.type === 'order.canceled') && typeof object.id === 'string') {
      const facts = refundFacts(object);
      if (facts.amount_refunded > 0) await this.postOrderRefunds(tx, ctx, object.id, facts);
    }
  }

  /** Posts a seller order's sale once (a second call posts nothing); true if it posted now. */
  async postSale(tx: Queryable, ctx: ServiceContext, so: repo.SellerOrderFacts): Promise<boolean> {
    const { order, commission, sale } = saleOf(so);
    const entries = entryRows(saleEntries(order, commission, sale.shipping), so.seller_id, { seller_order_id: so.id });
    return repo.insertPosting(tx, { id: ctx.ids('ltx'), source: 'seller_order', source_id: so.id, kind: 'sale', settlement_run_id: null, created_at: ctx.now() }, entries);
  }

  /**
   * Brings each seller order of an order up to its share of the order's cumulative refunds
   * (`refundTargets`: line refunds to the lines' sellers, refunds by amount pro rata): posts the
   * difference as refund entries and adds it to the seller order's `amount_refunded`. Idempotent:
   * a redispatched event finds nothing left to post. While the order's split into seller orders is
   * still to come, it throws, so the dispatcher retries the refund after the split.
   */
  async postOrderRefunds(tx: Queryable, ctx: ServiceContext, orderId: string, order: RefundFacts & { lines: readonly (RefundedLine & { seller_id?: unknown })[] }): Promise<number> {
    const sellerOrders = await repo.sellerOrdersOfOrder(tx, orderId);
    if (splitPending(order.lines, sellerOrders.map((so) => so.seller_id))) throw new Error(`order ${orderId} is not split into seller orders yet; its refund waits`);
    const lines = await repo.sellerOrderLines(tx, sellerOrders.map((so) => so.id));
    const targets = refundTargets(
      order,
      sellerOrders.map((so) => ({ id: so.id, amount: so.goods_amount + so.shipping_amount, lines: lines.filter((l) => l.seller_order_id === so.id) })),
    );
    let posted = 0;
    for (const so of sellerOrders) {
      const returnedBefore = so.amount_refunded + (await repo.chargedBack(tx, so.id));
      const left = so.goods_amount + so.shipping_amount - returnedBefore;
      const amount = Math.min((targets.get(so.id) ?? 0) - so.amount_refunded, left);
      if (amount <= 0) continue;
      await this.postSale(tx, ctx, so); // a refund never lands before its sale
      const from = (await repo.hasPosting(tx, 'seller_order', so.id, 'release')) ? 'available' : 'pending';
      const entries = entryRows(refundEntries(saleOf(so).sale, { amount, returned_before: returnedBefore, from }), so.seller_id, { seller_order_id: so.id });
      const key = `refund:${so.amount_refunded + amount}`;
      if (await repo.insertPosting(tx, { id: ctx.ids('ltx'), source: 'seller_order', source_id: so.id, kind: key, settlement_run_id: null, created_at: ctx.now() }, entries)) {
        await repo.addRefunded(tx, so.id, amount, ctx.now());
        posted += amount;
      }
    }
    return posted;
  }

  /**
   * Records a chargeback against a seller order and posts it (the seller bears the goods, the
   * platform keeps its commission; ledger.rules.ts), from pending funds before the release, from
   * available funds after it (possibly making them negative: the seller owes it back).
   */
  async chargeback(ctx: ServiceContext, sellerOrderId: string, input: { amount: number; reason?: string | null }): Promise<Chargeback> {
    return ctx.db.transaction(async (tx) => {
      const so = await repo.sellerOrderFacts(tx, sellerOrderId, true);
      if (!so) throw new AppError(SellerOrderErrors.sellerOrderNotFound, `No seller order ${sellerOrderId}.`);
      const returnedBefore = so.amount_refunded + (await repo.chargedBack(tx, so.id));
      const left = so.goods_amount + so.shipping_amount - returnedBefore;
      if (input.amount > left) {
        throw new AppError(LedgerErrors.chargebackExceedsSale, `Seller order ${so.id} has ${left} left to charge back; ${input.amount} was asked.`, [{ detail: `At most ${left}.`, pointer: '/amount' }]);
      }
      await this.postSale(tx, ctx, so);
      const from = (await repo.hasPosting(tx, 'seller_order', so.id, 'release')) ? 'available' : 'pending';
      const row: repo.ChargebackRow = { id: ctx.ids('cb'), seller_order_id: so.id, seller_id: so.seller_id, currency: so.currency, amount: input.amount, returned_before: returnedBefore, reason: input.reason ?? null, created_at: ctx.now() };
      await repo.insertChargeback(tx, row);
      const entries = entryRows(chargebackEntries(saleOf(so).sale, { amount: input.amount, returned_before: returnedBefore, from }), so.seller_id, { seller_order_id: so.id });
      await repo.insertPosting(tx, { id: ctx.ids('ltx'), source: 'seller_order', source_id: so.id, kind: `chargeback:${row.id}`, settlement_run_id: null, created_at: row.created_at }, entries);
      const chargeback: Chargeback = { ...row, object: 'chargeback', created_at: row.created_at.toISOString() };
      await emit(tx, ctx, { type: 'chargeback.created', object: { ...chargeback } });
      return chargeback;
    });
  }

  /** A seller's pending and available funds per currency, derived from the entries. */
  async balance(ctx: ServiceContext, sellerId: string): Promise<{ object: 'balance'; seller_id: string; balances: { currency: string; pending: number; available: number }[] }> {
    if (!(await sellerStatus(ctx.db, sellerId))) throw new AppError(SellerErrors.sellerNotFound, `No seller ${sellerId}.`);
    return { object: 'balance', seller_id: sellerId, balances: await repo.sellerBalances(ctx.db, sellerId) };
  }
}
