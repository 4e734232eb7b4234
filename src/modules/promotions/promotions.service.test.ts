import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/app.js';
import { ulidIds } from '../../platform/crypto/ids.js';
import { Database, type EnvDb } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { Metrics } from '../../platform/observability/metrics.js';
import { priceCart } from '../pricing/pricing.totals.js';
import { testCart, testLine } from './promotions.fixtures.js';
import { PromotionMetrics } from './promotions.metrics.js';
import type { PromotionCreate } from './promotions.schemas.js';
import { customerKeyOf, PromotionsService, type RedeemResult } from './promotions.service.js';

/** Service-level tests on a real database: atomic redemption under concurrency, and the cart's promotion set. */

let database: { url: string; drop(): Promise<void> };
let db: Database;
let env: EnvDb;
let service: PromotionsService;
let ctx: ServiceContext;

beforeAll(async () => {
  database = await createTestDatabase();
  db = new Database(database.url, 12, true);
  env = db.forEnv('test');
  const bus = new InvalidationBus(database.url); // not started: local delivery is enough in one process
  service = new PromotionsService({ bus, ids: ulidIds(), now: () => new Date() }, new PromotionMetrics(new Metrics(false).registry));
  ctx = { env: 'test', db: env, actor: null, requestId: 'req_test', now: () => new Date(), ids: ulidIds() };
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

const create = (body: Partial<PromotionCreate>) => service.create(ctx, { name: 'Test', actions: [{ type: 'percent_off', percent: 10 }], ...body });

class RolledBack extends Error {
  constructor(readonly result: RedeemResult) {
    super('rolled back');
  }
}

/** One checkout: its own transaction, rolled back when redeem refuses (as checkout does). */
async function checkout(promotionIds: string[], orderId: string, customerKey: string | null): Promise<RedeemResult> {
  try {
    return await env.transaction(async (tx) => {
      const r = await service.redeem(tx, { promotionIds, orderId, customerKey });
      if (!r.ok) throw new RolledBack(r);
      return r;
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.result;
    throw err;
  }
}

async function counts(id: string) {
  const { rows } = await env.query<{ times: number; redemptions: number; customers: number }>(
    `SELECT times_redeemed AS times,
            (SELECT count(*)::int FROM promotion_redemptions WHERE promotion_id = $1) AS redemptions,
            (SELECT coalesce(sum(times_redeemed), 0)::int FROM promotion_customer_usage WHERE promotion_id = $1) AS customers
     FROM promotions WHERE id = $1`,
    [id],
  );
  return rows[0]!;
}

describe('redeem under concurrency', () => {
  it('50 concurrent checkouts with a code limited to 10 give exactly 10 redemptions', async () => {
    const p = await create({ code: 'TEN-ONLY', usage_limit: 10 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => checkout([p.id], `ord_c${i}`, `shopper${i}@example.com`)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'usage_limit_reached' && r.promotionId === p.id)).toBe(true);
    expect(await counts(p.id)).toEqual({ times: 10, redemptions: 10, customers: 10 });
  });

  it('a per-customer limit of 1 with 5 concurrent checkouts by one customer gives exactly 1', async () => {
    const p = await create({ code: 'ONCE-EACH', usage_limit_per_customer: 1 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => checkout([p.id], `ord_s${i}`, 'cus_1')));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'customer_usage_limit_reached')).toHaveLength(4);
    expect(await counts(p.id)).toEqual({ times: 1, redemptions: 1, customers: 1 });
    // another customer still can
    expect(await checkout([p.id], 'ord_s_other', 'cus_2')).toEqual({ ok: true });
  });

  it('refusing one promotion rolls back the others of the same checkout', async () => {
    const open = await create({ code: 'OPEN-1' });
    const full = await create({ code: 'FULL-1', usage_limit: 1 });
    expect(await checkout([full.id], 'ord_f0', null)).toEqual({ ok: true });
    expect(await checkout([open.id, full.id], 'ord_f1', null)).toEqual({ ok: false, promotionId: full.id, reason: 'usage_limit_reached' });
    expect((await counts(open.id)).times).toBe(0);
  });

  it('redeeming the same order again counts nothing; unredeem gives the uses back', async () => {
    const p = await create({ code: 'RETRY-1', usage_limit: 5, usage_limit_per_customer: 2 });
    expect(await checkout([p.id], 'ord_r1', 'a@b.co')).toEqual({ ok: true });
    expect(await checkout([p.id, p.id], 'ord_r1', 'a@b.co')).toEqual({ ok: true });
    expect(await counts(p.id)).toEqual({ times: 1, redemptions: 1, customers: 1 });
    expect(await env.transaction((tx) => service.unredeem(tx, 'ord_r1'))).toEqual([p.id]);
    expect(await counts(p.id)).toEqual({ times: 0, redemptions: 0, customers: 0 });
  });

  it('refuses an inactive or deleted promotion, and an anonymous order under a per-customer limit', async () => {
    const off = await create({ code: 'OFF-1', status: 'inactive' });
    expect(await checkout([off.id], 'ord_i1', null)).toEqual({ ok: false, promotionId: off.id, reason: 'promotion_unavailable' });
    expect(await checkout(['promo_gone'], 'ord_i2', null)).toEqual({ ok: false, promotionId: 'promo_gone', reason: 'promotion_unavailable' });
    const limited = await create({ code: 'LIMITED-1', usage_limit_per_customer: 3 });
    expect(await checkout([limited.id], 'ord_i3', null)).toEqual({ ok: false, promotionId: limited.id, reason: 'customer_usage_limit_reached' });
  });
});

describe('loadForCart', () => {
  it('gives the active automatic promotions and the entered codes, with current usage counts', async () => {
    const auto = await create({ name: 'Auto 5%', actions: [{ type: 'percent_off', percent: 5 }] });
    const limitedAuto = await create({ name: 'First 2 orders', usage_limit: 2, actions: [{ type: 'amount_off', amount: 100 }] });
    const coded = await create({ code: 'vip-20', usage_limit_per_customer: 2, actions: [{ type: 'percent_off', percent: 20 }] });
    const key = customerKeyOf({ id: null, email: 'Ann@Example.com' });
    expect(key).toBe('ann@example.com');

    const before = await service.loadForCart(ctx, { codes: ['VIP-20'], customerKey: key });
    expect(before.map((p) => p.id).sort()).toEqual([auto.id, limitedAuto.id, coded.id].sort());

    expect(await checkout([limitedAuto.id, coded.id], 'ord_l1', key)).toEqual({ ok: true });
    expect(await checkout([limitedAuto.id], 'ord_l2', null)).toEqual({ ok: true });
    // The automatic set is cached, yet usage counts are read fresh.
    const after = await service.loadForCart(ctx, { codes: ['vip-20'], customerKey: key });
    expect(after.find((p) => p.id === limitedAuto.id)).toMatchObject({ times_redeemed: 2, usage_limit: 2 });
    expect(after.find((p) => p.id === coded.id)).toMatchObject({ code: 'VIP-20', times_redeemed: 1, customer_redemptions: 1 });

    const input = testCart([testLine('a', 10_000)], { codes: ['VIP-20'], customer: { id: null, email: 'ann@example.com', segments: [], has_orders: true } });
    const totals = priceCart(input, after, new Date());
    expect(totals.promotions.applied.map((a) => [a.name, a.amount])).toEqual([
      ['Auto 5%', 500],
      ['Test', 1900],
    ]);
    expect(totals.discount_total).toBe(2400); // the used-up automatic one is silently left out

    // A write drops the cached automatic set at once.
    await service.update(ctx, auto.id, { status: 'inactive' });
    expect((await service.loadForCart(ctx, { codes: [], customerKey: null })).map((p) => p.id)).toEqual([limitedAuto.id]);
  });

  it('findByCode matches any case and knows nothing of unknown codes', async () => {
    const p = await create({ code: 'Summer-Sale' });
    expect(await service.findByCode(ctx, 'summer-sale')).toMatchObject({ id: p.id, code: 'SUMMER-SALE', customer_redemptions: 0 });
    expect(await service.findByCode(ctx, 'NOPE-NOPE')).toBeNull();
  });
});
