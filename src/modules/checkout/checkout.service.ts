import type { Logger } from 'pino';
import { AppError } from '../../platform/http/errors.js';
import type { ServiceContext } from '../../platform/http/context.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { customerKey, type CartAbandonment, type CartCheckout, type CartsService, type PricedCart } from '../carts/index.js';
import type { InventoryService } from '../inventory/index.js';
import { orderEvent, type OrdersService, type Order } from '../orders/index.js';
import type { PromotionsPort } from '../carts/index.js';
import { CheckoutErrors } from './checkout.errors.js';
import type { CheckoutMetrics } from './checkout.metrics.js';
import type { AuthorizationOutcome, CheckoutExperimentsPort, CheckoutPaymentsPort, CheckoutPromotionsPort } from './checkout.ports.js';
import { checkReady, unavailableCodes } from './checkout.rules.js';

export interface CheckoutInput {
  payment: { token: string };
  /** When given, checkout refuses (409 `total_changed`) to charge anything else. */
  expected_total?: number;
}

/** How long a checkout holds its cart; longer than the slowest payment with its lookup. */
const LEASE_MS = 120_000;

/**
 * Checkout: turns a cart into an order as a sequence of steps, each with its undo. A failure at
 * any step runs the undos of the steps before it, newest first, so no stock stays reserved, no
 * payment stays authorised and the cart is open again. The last steps (order, stock, codes, cart)
 * share one transaction, so they happen together or not at all.
 */
export class CheckoutService {
  constructor(
    private readonly deps: Pick<ModuleDeps, 'now'> & { logger: Logger },
    private readonly parts: {
      carts: CartsService;
      claims: CartCheckout;
      abandonment: CartAbandonment;
      inventory: InventoryService;
      payments: CheckoutPaymentsPort;
      promotions: CheckoutPromotionsPort & Pick<PromotionsPort, 'recordRejections'>;
      orders: OrdersService;
      /** Optional: without it, order events carry no `context.experiments`. */
      experiments?: CheckoutExperimentsPort;
    },
    private readonly metrics: CheckoutMetrics,
  ) {}

  async checkout(ctx: ServiceContext, cartId: string, input: CheckoutInput): Promise<Order> {
    const started = process.hrtime.bigint();
    const undo: { step: string; run: () => Promise<unknown> }[] = [];
    const { carts, claims, inventory, payments, promotions, orders } = this.parts;
    let claimed = false;
    try {
      // 1. claim the cart, so a second submit cannot start a second checkout; then validate it
      const data = await claims.claim(ctx, cartId, new Date(ctx.now().getTime() + LEASE_MS));
      claimed = true;
      this.metrics.started.inc();
      undo.push({ step: 'reopen cart', run: () => claims.reopen(ctx, cartId) });
      checkReady(data);
      const stale = await claims.staleLines(ctx, data);
      if (stale.length) {
        await claims.refreshLines(ctx, cartId, stale);
        throw new AppError(CheckoutErrors.cartChanged, `Prices or availability changed for ${stale.map((s) => s.item.sku).join(', ')}; the cart now shows what checkout would charge.`);
      }

      // 2. re-evaluate promotions (pure, so first: a predictable 409 costs no reservation): every code on the cart must still apply
      const priced = await carts.price(ctx, data);
      if (!priced.shipping) throw new AppError(CheckoutErrors.shippingMethodRequired, 'The chosen shipping option is no longer available for this cart; choose another.', [{ detail: 'Unavailable.', pointer: '/shipping_option_id' }]);
      const lost = unavailableCodes(priced);
      if (lost.length) {
        promotions.recordRejections(lost);
        throw new AppError(CheckoutErrors.promotionUnavailable, lost.map((r) => `${r.code ?? ''}: ${r.detail}`).join(' '), lost.map((r) => ({ detail: `${r.code ?? ''}: ${r.reason}`, pointer: '/promotions' })));
      }
      if (input.expected_total !== undefined && input.expected_total !== priced.totals.total) {
        throw new AppError(CheckoutErrors.totalChanged, `The total is ${priced.totals.total}, not the expected ${input.expected_total}.`, [{ detail: `Now ${priced.totals.total}.`, pointer: '/expected_total' }]);
      }

      // 3. reserve stock
      const reservation = await inventory.reserve(ctx, { reference: cartId, lines: data.items.map((i) => ({ sku: i.sku, quantity: i.quantity })) }); // reserve merges a SKU's lines
      undo.push({ step: 'release stock', run: () => inventory.release(ctx, reservation.id) });

      // 4. authorise, failing over between processors
      const captureMethod = priced.region.capture_method;
      const payment = priced.totals.total > 0 ? await this.authorize(ctx, priced, input.payment.token, captureMethod, undo) : null;
      const paymentId = payment?.paymentId ?? null;

      // 5–9. order, stock, codes, cart and their events in one transaction
      const orderId = ctx.ids('ord');
      // one clock reading for every write below, so the events show exactly what was written
      const at = ctx.now();
      const fixed: ServiceContext = { ...ctx, now: () => at };
      const order = await ctx.db.transaction(async (tx) => {
        // the shopper's experiment assignments, kept on the order: all its events carry them (#7)
        const experiments = (await this.parts.experiments?.assignments(ctx, tx, data.cart)) ?? {};
        const created = await orders.createFromCart(tx, fixed, { orderId, priced, paymentId, reservationId: reservation.id, status: !payment || payment.captured ? 'paid' : 'pending', experiments });
        await inventory.commitReserved(ctx, reservation, tx);
        const applied = priced.totals.promotions.applied.map((p) => p.promotion_id);
        if (applied.length) {
          const redeemed = await promotions.redeem(tx, { promotionIds: applied, orderId, customerKey: customerKey(data.cart) });
          if (!redeemed.ok) {
            const code = priced.totals.promotions.applied.find((p) => p.promotion_id === redeemed.promotionId)?.code ?? redeemed.promotionId;
            throw new AppError(CheckoutErrors.promotionUnavailable, `${code}: ${redeemed.reason.replaceAll('_', ' ')}.`, [{ detail: `${code}: ${redeemed.reason}`, pointer: '/promotions' }]);
          }
        }
        if (paymentId) await payments.attachOrder(tx, paymentId, orderId);
        // the cart completes with the order's and its own events in one statement; the payment's
        // events were written as it was authorised (payments.journal.ts)
        await claims.complete(tx, fixed, cartId, orderId, [
          orderEvent('order.created', created),
          ...(created.status === 'paid' ? [orderEvent('order.paid', created)] : []),
          { type: 'cart.checked_out', object: carts.presentCompleted(priced, orderId, at) },
        ]);
        return created;
      });
      undo.length = 0;
      this.parts.abandonment.checkedOut(ctx.env, data.cart);
      this.metrics.completed.inc();
      this.metrics.duration.observe({ result: 'completed' }, seconds(started));
      return order;
    } catch (err) {
      for (const u of undo.reverse()) {
        await u.run().catch((e: unknown) => this.deps.logger.error({ err: e, cart_id: cartId, step: u.step }, 'checkout undo failed'));
      }
      if (claimed) {
        this.metrics.failed.inc({ reason: err instanceof AppError ? err.code : 'internal_error' });
        this.metrics.duration.observe({ result: 'failed' }, seconds(started));
      }
      throw err;
    }
  }

  private async authorize(ctx: ServiceContext, priced: PricedCart, token: string, captureMethod: 'automatic' | 'manual', undo: { step: string; run: () => Promise<unknown> }[]): Promise<AuthorizationOutcome> {
    const { cart } = priced.data;
    const result = await this.parts.payments.authorize(ctx, { amount: priced.totals.total, currency: cart.currency, token, captureMethod, cartId: cart.id });
    if (result.outcome === 'authorized') {
      undo.push({ step: 'reverse payment', run: () => this.parts.payments.reverse(ctx, result.paymentId) });
      return result;
    }
    if (result.outcome === 'declined') {
      const code = result.declineCode ?? 'card_declined';
      throw new AppError(CheckoutErrors.paymentDeclined, `The payment was declined (${code}). Payment ${result.paymentId}.`, [{ detail: code, pointer: '/payment/token' }], { 'tessera-decline-code': code });
    }
    if (result.outcome === 'unavailable') throw new AppError(CheckoutErrors.paymentUnavailable, `No payment processor could take the payment now; nothing was charged. Payment ${result.paymentId}.`);
    throw new AppError(CheckoutErrors.paymentUnresolved, `A processor did not answer and could not be asked whether it charged; payment ${result.paymentId} will be reconciled. Do not retry with another key.`);
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
