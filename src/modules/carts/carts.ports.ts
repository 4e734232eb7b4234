import type { ServiceContext } from '../../platform/http/context.js';
import type { RejectedPromotion } from '../pricing/index.js';
import { customerKeyOf, type PromotionDef } from '../promotions/index.js';

/** What carts need of the promotions module. */
export interface PromotionsPort {
  /** The promotion with this code (upper-case), or null when there is none. */
  findByCode(ctx: ServiceContext, code: string): Promise<PromotionDef | null>;
  /** Every active automatic promotion plus the coded ones, with their usage counts. */
  loadForCart(ctx: ServiceContext, q: { codes: readonly string[]; customerKey: string | null }): Promise<PromotionDef[]>;
  /** Counts eligibility failures in the metrics, by reason. */
  recordRejections(rejected: readonly RejectedPromotion[]): void;
}

/** What carts need to know about a customer for promotion conditions (segments, first order). */
export interface CustomersPort {
  profile(ctx: ServiceContext, who: { customerId: string | null; email: string | null }): Promise<{ segments: string[]; has_orders: boolean }>;
}

/** The key per-customer usage limits count by (the promotions module's rule), for a cart. */
export function customerKey(cart: { customer_id: string | null; email: string | null }): string | null {
  return customerKeyOf({ id: cart.customer_id, email: cart.email });
}
