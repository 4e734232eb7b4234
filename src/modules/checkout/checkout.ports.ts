import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';

/** The outcome of authorising a checkout's payment, failover included. */
export interface AuthorizationOutcome {
  paymentId: string;
  outcome: 'authorized' | 'declined' | 'unavailable' | 'unresolved';
  declineCode: string | null;
}

/** What checkout needs of the payments module. */
export interface CheckoutPaymentsPort {
  authorize(ctx: ServiceContext, input: { amount: number; currency: string; token: string; captureMethod: 'automatic' | 'manual'; cartId: string }): Promise<AuthorizationOutcome>;
  /** Undo of an authorisation: voids it; idempotent. */
  void(ctx: ServiceContext, paymentId: string): Promise<void>;
  capture(ctx: ServiceContext, paymentId: string): Promise<void>;
  /** Links the payment to its order, in checkout's transaction. */
  attachOrder(tx: Queryable, paymentId: string, orderId: string): Promise<void>;
}

/** What checkout needs of the promotions module: atomic redemption in its transaction. */
export interface CheckoutPromotionsPort {
  redeem(tx: Queryable, input: { promotionIds: readonly string[]; orderId: string; customerKey: string | null }): Promise<{ ok: true } | { ok: false; promotionId: string; reason: string }>;
}
