import type { Environment, Queryable } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { emit, previousAttributes } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { RejectedPromotion } from '../pricing/pricing.types.js';
import { PromotionErrors } from './promotions.errors.js';
import type { PromotionMetrics } from './promotions.metrics.js';
import * as repo from './promotions.repo.js';
import type { Promotion, PromotionCreate, PromotionListQuery, PromotionPatch } from './promotions.schemas.js';
import type { PromotionDef } from './promotions.types.js';

/** The result of `redeem`: every promotion counted, or the first that could not be (the caller rolls back). */
export type RedeemResult = { ok: true } | { ok: false; promotionId: string; reason: 'usage_limit_reached' | 'customer_usage_limit_reached' | 'promotion_unavailable' };

export function presentPromotion(r: repo.PromotionRow): Promotion {
  return {
    id: r.id,
    object: 'promotion',
    name: r.name,
    code: r.code,
    status: r.status,
    priority: r.priority,
    combinable: r.combinable,
    currency: r.currency,
    starts_at: r.starts_at?.toISOString() ?? null,
    ends_at: r.ends_at?.toISOString() ?? null,
    usage_limit: r.usage_limit,
    usage_limit_per_customer: r.usage_limit_per_customer,
    times_redeemed: r.times_redeemed,
    conditions: r.conditions,
    actions: r.actions,
    metadata: r.metadata,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

function toDef(r: repo.PromotionRow, customerRedemptions: number): PromotionDef {
  const { metadata: _m, created_at: _c, updated_at: _u, ...def } = r;
  return { ...def, customer_redemptions: customerRedemptions };
}

/**
 * Who a per-customer limit counts: the customer id, else the e-mail address in lower case, else
 * nobody. The same rule as carts' `customerKey`; `loadForCart` and `redeem` must get the same key.
 * @example customerKeyOf({ id: null, email: 'Ann@Example.com' }) // "ann@example.com"
 */
export function customerKeyOf(customer: { id: string | null; email: string | null }): string | null {
  return customer.id ?? customer.email?.toLowerCase() ?? null;
}

const toDate = (s: string | null | undefined) => (s === undefined ? undefined : s === null ? null : new Date(s));

/** What a schema cannot check: the time window, and a limit not below the uses already counted. */
function checkPromotion(p: { starts_at: Date | null; ends_at: Date | null; usage_limit: number | null }, timesRedeemed: number): void {
  const errors: FieldError[] = [];
  if (p.starts_at && p.ends_at && p.ends_at <= p.starts_at) errors.push({ detail: 'ends_at must be after starts_at.', pointer: '/ends_at' });
  if (p.usage_limit !== null && p.usage_limit < timesRedeemed) errors.push({ detail: `usage_limit cannot be below the ${timesRedeemed} redemptions already made.`, pointer: '/usage_limit' });
  if (errors.length) throw new AppError(PromotionErrors.invalidPromotion, errors.map((e) => e.detail).join(' '), errors);
}

function codeTaken(err: unknown, code: string | null | undefined): never {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'promotions_code_key') {
    throw new AppError(PromotionErrors.promotionCodeTaken, `The code ${code ?? ''} is already used by another promotion.`, [{ detail: 'Code taken.', pointer: '/code' }]);
  }
  throw err;
}

/**
 * Promotions: operator CRUD, the set a cart is evaluated against (`loadForCart`, cached), and
 * atomic redemption at order placement (`redeem`, in the caller's transaction).
 */
export class PromotionsService {
  /** The active automatic promotions per environment; dropped on any promotion write in any process. */
  private readonly automatic = new Map<Environment, Promise<repo.PromotionRow[]>>();

  constructor(
    private readonly deps: Pick<ModuleDeps, 'bus' | 'ids' | 'now'>,
    private readonly metrics: PromotionMetrics,
  ) {
    deps.bus.on('promotion', (env) => this.automatic.delete(env), () => this.automatic.clear());
  }

  async get(ctx: ServiceContext, id: string): Promise<Promotion> {
    const row = await repo.findPromotion(ctx.db, id);
    if (!row) throw new AppError(PromotionErrors.promotionNotFound, `No promotion ${id}.`);
    return presentPromotion(row);
  }

  async list(ctx: ServiceContext, q: PromotionListQuery): Promise<List<Promotion>> {
    const rows = await repo.pagePromotions(ctx.db, { after: q.starting_after, limit: q.limit + 1, status: q.status, code: q.code?.toUpperCase() });
    return toList(rows.map(presentPromotion), q.limit, (p) => p.id);
  }

  async create(ctx: ServiceContext, input: PromotionCreate): Promise<Promotion> {
    const write: repo.PromotionWrite = {
      name: input.name,
      code: input.code ? input.code.toUpperCase() : null,
      status: input.status ?? 'active',
      priority: input.priority ?? 0,
      combinable: input.combinable ?? true,
      currency: input.currency ?? null,
      starts_at: toDate(input.starts_at) ?? null,
      ends_at: toDate(input.ends_at) ?? null,
      usage_limit: input.usage_limit ?? null,
      usage_limit_per_customer: input.usage_limit_per_customer ?? null,
      conditions: input.conditions ?? [],
      actions: input.actions,
      metadata: input.metadata ?? {},
    };
    checkPromotion(write, 0);
    const id = ctx.ids('promo');
    const row = await this.write(ctx, id, async (tx) => {
      const created = await repo.insertPromotion(tx, id, write, ctx.now());
      await emit(tx, ctx, { type: 'promotion.created', object: presentPromotion(created) });
      return created;
    }).catch((err: unknown) => codeTaken(err, write.code));
    return presentPromotion(row);
  }

  async update(ctx: ServiceContext, id: string, patch: PromotionPatch): Promise<Promotion> {
    const { starts_at, ends_at, code, ...rest } = patch;
    const fields: Partial<repo.PromotionWrite> = { ...rest, starts_at: toDate(starts_at), ends_at: toDate(ends_at), code: code === undefined ? undefined : code === null ? null : code.toUpperCase() };
    const row = await this.write(ctx, id, async (tx) => {
      const current = await repo.findPromotion(tx, id, true);
      if (!current) throw new AppError(PromotionErrors.promotionNotFound, `No promotion ${id}.`);
      const merged = { ...current, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
      checkPromotion(merged, current.times_redeemed);
      const updated = await repo.updatePromotion(tx, id, fields, ctx.now());
      const before = presentPromotion(current);
      const after = presentPromotion(updated);
      const previous = previousAttributes(before, after);
      if (Object.keys(previous).length) await emit(tx, ctx, { type: 'promotion.updated', object: after, previous });
      return updated;
    }).catch((err: unknown) => codeTaken(err, fields.code));
    return presentPromotion(row);
  }

  /** Deletes a promotion never redeemed. One with redemptions keeps its history: deactivate it instead (409). */
  async remove(ctx: ServiceContext, id: string): Promise<void> {
    await this.write(ctx, id, async (tx) => {
      const current = await repo.findPromotion(tx, id, true);
      if (!current) throw new AppError(PromotionErrors.promotionNotFound, `No promotion ${id}.`);
      const used = await repo.countRedemptions(tx, id);
      if (used > 0) throw new AppError(PromotionErrors.promotionInUse, `Promotion ${id} has ${used} redemptions; set its status to inactive instead.`);
      await repo.deletePromotion(tx, id);
      await emit(tx, ctx, { type: 'promotion.deleted', object: { id, object: 'promotion', deleted: true } });
    });
  }

  /** A write that drops the cached automatic promotions here at once and in other processes on commit. */
  private async write<T>(ctx: ServiceContext, id: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const result = await ctx.db.transaction(async (tx) => {
      const out = await fn(tx);
      await InvalidationBus.publish(tx, ctx.env, 'promotion', id);
      return out;
    });
    this.deps.bus.deliver(ctx.env, 'promotion', id);
    return result;
  }

  /** The promotion with this code (any case), as the evaluator sees it, or null. For validating a code added to a cart. */
  async findByCode(ctx: ServiceContext, code: string, customerKey: string | null = null): Promise<PromotionDef | null> {
    const [row] = await repo.promotionsForCart(ctx.db, [code.toUpperCase()], [], customerKey);
    return row ? toDef(row, row.customer_redemptions) : null;
  }

  /**
   * What a cart is evaluated against: every active automatic promotion and the promotions of the
   * entered codes, with usage counts. The automatic ones come from an in-process cache; those
   * with a usage limit (or a per-customer limit, for a known customer) are re-read with the
   * coded ones in one query, so counts are current. No query at all for a plain cart.
   */
  async loadForCart(ctx: ServiceContext, input: { codes: readonly string[]; customerKey: string | null }): Promise<PromotionDef[]> {
    const automatic = await this.automaticPromotions(ctx.env, ctx.db);
    const stale = automatic.filter((p) => p.usage_limit !== null || (p.usage_limit_per_customer !== null && input.customerKey !== null)).map((p) => p.id);
    const codes = [...new Set(input.codes.map((c) => c.toUpperCase()))];
    const fresh = codes.length || stale.length ? await repo.promotionsForCart(ctx.db, codes, stale, input.customerKey) : [];
    const byId = new Map<string, PromotionDef>(automatic.map((p) => [p.id, toDef(p, 0)]));
    for (const row of fresh) byId.set(row.id, toDef(row, row.customer_redemptions));
    return [...byId.values()];
  }

  private automaticPromotions(env: Environment, db: Queryable): Promise<repo.PromotionRow[]> {
    let entry = this.automatic.get(env);
    if (!entry) {
      entry = repo.activeAutomatic(db);
      entry.catch(() => this.automatic.delete(env));
      this.automatic.set(env, entry);
    }
    return entry;
  }

  /**
   * Counts one use of each promotion for an order, atomically, inside the caller's transaction
   * (checkout's, which creates the order): a conditional increment per promotion, in id order so
   * concurrent checkouts lock alike, and the per-customer counter likewise. On `{ ok: false }`
   * the caller must roll back. Redeeming the same order again is a no-op.
   * @example
   *   const r = await promotions.redeem(tx, { promotionIds: totals.promotions.applied.map((a) => a.promotion_id), orderId, customerKey });
   *   if (!r.ok) throw new AppError(…, `Promotion ${r.promotionId}: ${r.reason}`); // rolls back
   */
  async redeem(tx: Queryable, input: { promotionIds: readonly string[]; orderId: string; customerKey: string | null }): Promise<RedeemResult> {
    const now = this.deps.now();
    for (const promotionId of [...new Set(input.promotionIds)].sort()) {
      const recorded = await repo.insertRedemption(tx, { id: this.deps.ids('redm'), promotionId, orderId: input.orderId, customerKey: input.customerKey }, now);
      if (recorded === 'duplicate') continue;
      if (recorded === 'missing') return { ok: false, promotionId, reason: 'promotion_unavailable' };
      const counted = await repo.incrementUsage(tx, promotionId);
      if (!counted) {
        const state = await repo.usageState(tx, promotionId);
        return { ok: false, promotionId, reason: state === 'limit_reached' ? 'usage_limit_reached' : 'promotion_unavailable' };
      }
      const limit = counted.usage_limit_per_customer;
      // An anonymous order cannot prove it is under a per-customer limit.
      if (input.customerKey === null ? limit !== null : !(await repo.incrementCustomerUsage(tx, promotionId, input.customerKey, limit))) {
        return { ok: false, promotionId, reason: 'customer_usage_limit_reached' };
      }
    }
    return { ok: true };
  }

  /** Gives back an order's uses (a canceled order), in the caller's transaction. Returns the promotion ids. */
  unredeem(tx: Queryable, orderId: string): Promise<string[]> {
    return repo.deleteRedemptions(tx, orderId);
  }

  /** Counts rejections in `tessera_promotion_rejections_total{reason}`; call once per priced cart or checkout. */
  recordRejections(rejected: readonly RejectedPromotion[]): void {
    this.metrics.recordRejections(rejected);
  }
}
