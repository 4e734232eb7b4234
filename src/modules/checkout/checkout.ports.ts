import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';

/** The outcome of authorising a checkout's payment, failover included. */
export interface AuthorizationOutcome {
  paymentId: string;
  /** true when the processor captured in the same call (regions with automatic capture). */
  captured: boolean;
  outcome: 'authorized' | 'declined' | 'unavailable' | 'unresolved';
  declineCode: string | null;
}

/** What checkout needs of the payments module. */
export interface CheckoutPaymentsPort {
  authorize(ctx: ServiceContext, input: { amount: number; currency: string; token: string; captureMethod: 'automatic' | 'manual'; cartId: string }): Promise<AuthorizationOutcome>;
  /** Undo of a payment: voids it if uncaptured, else refunds it in full; idempotent. */
  reverse(ctx: ServiceContext, paymentId: string): Promise<void>;
  /** Links the payment to its order, in checkout's transaction. */
  attachOrder(tx: Queryable, paymentId: string, orderId: string): Promise<void>;
}

/** What checkout needs of the promotions module: atomic redemption in its transaction. */
export interface CheckoutPromotionsPort {
  redeem(tx: Queryable, input: { promotionIds: readonly string[]; orderId: string; customerKey: string | null }): Promise<{ ok: true } | { ok: false; promotionId: string; reason: string }>;
}

/**
 * What checkout needs of the experiments module: `{ experiment key: variant }` of the running
 * experiments the cart's shopper (customer id, else `metadata.anonymous_id`) was exposed to, read
 * in checkout's transaction; the order's events carry it as `context.experiments`.
 */
export interface CheckoutExperimentsPort {
  assignments(ctx: ServiceContext, tx: Queryable, cart: { customer_id: string | null; metadata: Record<string, string> }): Promise<Record<string, string>>;
}
