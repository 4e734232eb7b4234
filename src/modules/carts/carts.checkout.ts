import { envelopes, notifyAfterCommit, type NewEvent } from '../../platform/events/outbox.js';
import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { purchasableVariants } from '../catalog/index.js';
import * as repo from './carts.repo.js';
import type { CartsService } from './carts.service.js';

/** A cart line whose price changed (or that is no longer for sale: `unit_amount` null) since it was added. */
export interface StaleLine {
  item: repo.CartItemRow;
  unit_amount: number | null;
}

/**
 * What checkout does to a cart: claim it for one checkout, reopen it when that fails, complete
 * it in the order's transaction, and find claims left by a process that died.
 */
export class CartCheckout {
  constructor(private readonly carts: CartsService) {}

  /**
   * Claims an open cart for one checkout until `leaseUntil` (status `completing`), in one
   * conditional UPDATE: a concurrent or repeated checkout of the same cart gets 409 until this one
   * finishes (or, if its process dies, until the recovery job has undone it).
   */
  async claim(ctx: ServiceContext, id: string, leaseUntil: Date): Promise<repo.CartWithItems> {
    const claimed = await repo.claimForCheckout(ctx.db, id, leaseUntil, ctx.now());
    return claimed ?? this.carts.refuse(ctx, id);
  }

  /** The undo of a claim: the cart is open again (its checkout failed). */
  async reopen(ctx: ServiceContext, id: string): Promise<void> {
    await repo.updateCart(ctx.db, id, { status: 'open', checkout_lease_until: null, expires_at: this.carts.expiry(ctx) }, ctx.now());
  }

  /** Marks a claimed cart completed as `orderId`, in checkout's transaction. */
  /**
   * Marks the cart completed with its order, in checkout's transaction, writing `events` (the
   * order's and the cart's) in the same statement: one round trip for both.
   */
  async complete(tx: Queryable, ctx: ServiceContext, id: string, orderId: string, events: readonly NewEvent[] = []): Promise<void> {
    const envs = envelopes(ctx, events);
    await repo.completeCart(tx, id, orderId, ctx.now(), envs);
    if (envs.length) notifyAfterCommit(tx);
  }

  /** Lines whose variant is no longer for sale, or whose price changed, since they were added. */
  async staleLines(ctx: ServiceContext, data: repo.CartWithItems): Promise<StaleLine[]> {
    const current = await purchasableVariants(ctx, data.items.map((i) => i.variant_id), data.cart.currency);
    return data.items.flatMap((item) => {
      const v = current.find((c) => c.variant_id === item.variant_id);
      const now = v && v.status === 'published' ? v.unit_amount : null;
      return now === item.unit_amount ? [] : [{ item, unit_amount: now }];
    });
  }

  /** Brings changed prices up to date (and drops lines no longer for sale), so the shopper sees what checkout would charge. */
  async refreshLines(ctx: ServiceContext, id: string, stale: readonly StaleLine[]): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      for (const s of stale) {
        if (s.unit_amount === null) await repo.deleteItem(tx, id, s.item.id);
        else await repo.updateItem(tx, id, s.item.id, { unit_amount: s.unit_amount }, ctx.now());
      }
    });
  }

  /** Carts left `completing` by a checkout whose process died (lease expired). */
  async staleClaims(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<string[]> {
    return repo.staleCheckouts(ctx.db, ctx.now(), 100);
  }
}
