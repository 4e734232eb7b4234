import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';

/** What orders need of the payments module. */
export interface OrderPaymentsPort {
  /** Captures the rest of an authorised payment. */
  capture(ctx: ServiceContext, paymentId: string): Promise<void>;
  /** Voids an authorised, uncaptured payment; idempotent. */
  void(ctx: ServiceContext, paymentId: string): Promise<void>;
  /** Refunds part of a captured payment, never beyond what was captured (the payments module enforces it too). */
  refund(ctx: ServiceContext, paymentId: string, input: { amount: number; reason: string | null; idempotencyRef: string | null }): Promise<{ id: string; amount: number; status: 'pending' | 'succeeded' | 'failed'; created_at: Date }>;
}

/** What orders need of the inventory module: the order's allocation (its committed reservation). */
export interface OrderInventoryPort {
  /**
   * Gives back, in `tx`, the allocated units the order will no longer ship: per SKU, at most `keep`
   * units stay allocated (`[]`: none, the order is canceled). Reserved drops; on_hand does not move.
   */
  release(ctx: ServiceContext, tx: Queryable, reservationId: string, keep: readonly { sku: string; quantity: number }[]): Promise<void>;
  /** Puts shipped units back on hand at the locations they left from; `null`: all shipped and not yet restocked. */
  restock(ctx: ServiceContext, reservationId: string, lines: readonly { sku: string; quantity: number }[] | null): Promise<void>;
}

/** What orders need of the promotions module: a canceled order gives its code uses back. */
export interface OrderPromotionsPort {
  unredeem(tx: Queryable, orderId: string): Promise<unknown>;
}
