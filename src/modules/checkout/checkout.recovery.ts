import type { Logger } from 'pino';
import type { ServiceContext } from '../../platform/http/context.js';
import type { CartCheckout } from '../carts/index.js';
import type { InventoryService } from '../inventory/index.js';
import type { PaymentsService } from '../payments/index.js';

/**
 * Finishes what a dead process left half-done: a cart still `completing` after its lease, with no
 * order. Its authorised payments are reversed, its active reservations released and the cart
 * reopened, exactly the undos the checkout would have run. A cart whose order exists was completed
 * in the same transaction, so it is never `completing`.
 */
export async function recoverStaleCheckouts(
  ctx: ServiceContext,
  parts: { claims: CartCheckout; inventory: InventoryService; payments: PaymentsService },
  logger: Logger,
): Promise<number> {
  const stale = await parts.claims.staleClaims(ctx);
  for (const cartId of stale) {
    try {
      const payments = await parts.payments.list(ctx, { limit: 100, cart_id: cartId });
      for (const p of payments.data) {
        if (p.order_id === null && (p.status === 'requires_capture' || p.status === 'succeeded')) await parts.payments.reverse(ctx, p.id, 'checkout_abandoned');
      }
      const holds = await parts.inventory.list(ctx, { limit: 100, reference: cartId, status: 'active' });
      for (const r of holds.data) await parts.inventory.release(ctx, r.id);
      await parts.claims.reopen(ctx, cartId);
      logger.warn({ cart_id: cartId }, 'recovered a checkout left half-done by a stopped process');
    } catch (err) {
      logger.error({ err, cart_id: cartId }, 'could not recover a stale checkout; will retry');
    }
  }
  return stale.length;
}
