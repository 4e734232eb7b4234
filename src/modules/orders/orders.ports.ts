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

/** What orders need of the inventory module. */
export interface OrderInventoryPort {
  /** Puts units of a committed reservation back on hand where they came from; `null`: all not yet restocked. */
  restock(ctx: ServiceContext, reservationId: string, lines: readonly { sku: string; quantity: number }[] | null): Promise<void>;
}

/** What orders need of the promotions module: a canceled order gives its code uses back. */
export interface OrderPromotionsPort {
  unredeem(tx: Queryable, orderId: string): Promise<unknown>;
}
