import type { Queryable } from '../../platform/db/database.js';
import type { Dispatcher } from '../../platform/events/dispatcher.js';
import { emit, type EventEnvelope } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { Commission, SellerOrder } from './commission.js';
import { LedgerErrors } from './ledger.errors.js';
import * as repo from './ledger.repo.js';
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

/**
 * How much of an order's refunds each seller order bears, cumulatively: a seller order's ledger
 * amount (goods + shipping, no tax) times the share of the order's total refunded so far, rounded
 * down, never above the seller order's amount. The `order.refunded` event carries the order's
 * cumulative `amount_refunded` but not which lines a refund was for, so a refund is attributed
 * pro rata (the tax part and the platform's own lines keep the rest). Cumulative and rounded down,
 * it only grows as refunds add up, and a full refund gives every seller order exactly its amount.
 */
export function refundTargets(orderTotal: number, orderRefunded: number, sellerOrders: readonly { id: string; amount: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const so of sellerOrders) {
    const share = orderTotal <= 0 ? 0 : Number((BigInt(Math.min(orderRefunded, orderTotal)) * BigInt(so.amount)) / BigInt(orderTotal));
    out.set(so.id, Math.min(so.amount, share));
  }
  return out;
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
      const totals = object.totals as { total?: unknown } | undefined;
      const total = typeof totals?.total === 'number' ? totals.total : 0;
      const refunded = typeof object.amount_refunded === 'number' ? object.amount_refunded : 0;
      if (refunded > 0) await this.postOrderRefunds(tx, ctx, object.id, total, refunded);
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
   * (`refundTargets`): posts the difference as refund entries and adds it to the seller order's
   * `amount_refunded`. Idempotent: a redispatched event finds nothing left to post.
   */
  async postOrderRefunds(tx: Queryable, ctx: ServiceContext, orderId: string, orderTotal: number, orderRefunded: number): Promise<number> {
    const sellerOrders = await repo.sellerOrdersOfOrder(tx, orderId);
    const targets = refundTargets(
      orderTotal,
      orderRefunded,
      sellerOrders.map((so) => ({ id: so.id, amount: so.goods_amount + so.shipping_amount })),
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
      if (!so) throw new AppError(LedgerErrors.sellerOrderNotFound, `No seller order ${sellerOrderId}.`);
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
    if (!(await repo.sellerExists(ctx.db, sellerId))) throw new AppError(LedgerErrors.sellerNotFound, `No seller ${sellerId}.`);
    return { object: 'balance', seller_id: sellerId, balances: await repo.sellerBalances(ctx.db, sellerId) };
  }
}
