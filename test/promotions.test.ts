import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { api, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
});
afterAll(() => t.close());

type NewPromotion = operations['postV1Promotions']['requestBody']['content']['application/json'];
const tenOff = { type: 'percent_off', percent: 10 } as const;
const byId = (id: string) => ({ params: { path: { id } } });

async function createPromotion(body: Partial<NewPromotion>) {
  return ok(await admin.POST('/v1/promotions', { body: { name: 'Promo', actions: [tenOff], ...body } }), 201);
}

describe('promotions CRUD', () => {
  it('creates a coupon code with conditions and actions from the registry, code upper-cased', async () => {
    const res = await admin.POST('/v1/promotions', {
      body: {
        name: 'Summer 20',
        code: 'summer-20',
        priority: 5,
        combinable: false,
        currency: 'USD',
        starts_at: '2025-06-01T00:00:00Z',
        ends_at: '2025-09-01T00:00:00Z',
        usage_limit: 100,
        usage_limit_per_customer: 1,
        conditions: [{ type: 'min_subtotal', amount: 5000 }, { type: 'customer_email_domain', domains: ['acme.com'] }, { type: 'first_order' }],
        actions: [
          { type: 'percent_off', percent: 20, applies_to: { category_ids: ['cat_shoes'] } },
          { type: 'buy_x_get_y', buy_quantity: 2, buy: {}, get_quantity: 1, get: { skus: ['SOCK-1'] }, percent: 100, max_applications: 1 },
          { type: 'free_shipping' },
        ],
        metadata: { campaign: 'summer' },
      },
    });
    const p = ok(res, 201);
    expect(p).toMatchObject({
      object: 'promotion',
      name: 'Summer 20',
      code: 'SUMMER-20',
      status: 'active',
      priority: 5,
      combinable: false,
      currency: 'USD',
      starts_at: '2025-06-01T00:00:00.000Z',
      ends_at: '2025-09-01T00:00:00.000Z',
      usage_limit: 100,
      usage_limit_per_customer: 1,
      times_redeemed: 0,
      metadata: { campaign: 'summer' },
    });
    expect(p.id).toMatch(/^promo_[0-9a-z]{26}$/);
    expect(p.conditions).toHaveLength(3);
    expect(p.actions[1]).toEqual({ type: 'buy_x_get_y', buy_quantity: 2, buy: {}, get_quantity: 1, get: { skus: ['SOCK-1'] }, percent: 100, max_applications: 1 });
    expect(new Date(p.created_at).toISOString()).toBe(p.created_at);

    expect(ok(await admin.GET('/v1/promotions/{id}', byId(p.id)), 200)).toEqual(p);
  });

  it('creates an automatic promotion with defaults', async () => {
    const p = await createPromotion({ name: 'Always 10' });
    expect(p).toMatchObject({ code: null, status: 'active', priority: 0, combinable: true, currency: null, starts_at: null, ends_at: null, usage_limit: null, conditions: [], metadata: {} });
  });

  it('refuses a code already taken, in any case, with 409', async () => {
    await createPromotion({ code: 'TAKEN-1' });
    const res = problem(await admin.POST('/v1/promotions', { body: { name: 'Again', code: 'taken-1', actions: [tenOff] } }), 409);
    expect(res).toMatchObject({ code: 'promotion_code_taken', errors: [{ pointer: '/code' }] });
    const other = await createPromotion({ code: 'TAKEN-2' });
    const patch = problem(await admin.PATCH('/v1/promotions/{id}', { ...byId(other.id), body: { code: 'Taken-1' } }), 409);
    expect(patch.code).toBe('promotion_code_taken');
  });

  it('validates bodies against the registry: 422 with problems', async () => {
    const bad = async (body: Omit<NewPromotion, 'name'>) => {
      const res = await admin.POST('/v1/promotions', { body: { name: 'Bad', ...body } });
      expect(res.response.status, JSON.stringify(body)).toBe(422);
      return problem(res, 422);
    };
    // invalid on purpose: bodies the types do not allow
    const untyped = async (body: Record<string, unknown>) => {
      const res = await t.call('POST', '/v1/promotions', { body: { name: 'Bad', ...body } });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      return res.json<{ code: string }>();
    };
    expect((await bad({ actions: [{ type: 'percent_off', percent: 101 }] })).code).toBe('validation_failed');
    expect((await bad({ actions: [{ type: 'percent_off', percent: 0 }] })).code).toBe('validation_failed');
    expect((await untyped({ actions: [{ type: 'teleport' }] })).code).toBe('validation_failed');
    expect((await bad({ actions: [] })).code).toBe('validation_failed');
    expect((await untyped({ actions: [tenOff], conditions: [{ type: 'min_subtotal', amount: '50' }] })).code).toBe('validation_failed');
    expect((await bad({ actions: [tenOff], code: 'no spaces' })).code).toBe('validation_failed');
    expect((await untyped({ actions: [tenOff], surprise: true })).code).toBe('validation_failed');
    const window = await bad({ actions: [tenOff], starts_at: '2025-06-01T00:00:00Z', ends_at: '2025-06-01T00:00:00Z' });
    expect(window).toMatchObject({ code: 'invalid_promotion', errors: [{ pointer: '/ends_at' }] });
    const { rowCount } = await t.db.forEnv('test').query("SELECT 1 FROM promotions WHERE name = 'Bad'");
    expect(rowCount).toBe(0);
  });

  it('updates, and keeps the window valid against the stored values', async () => {
    const p = await createPromotion({ starts_at: '2025-06-01T00:00:00Z' });
    const res = ok(await admin.PATCH('/v1/promotions/{id}', { ...byId(p.id), body: { name: 'Renamed', status: 'inactive', actions: [{ type: 'amount_off', amount: 500 }], usage_limit: 3 } }), 200);
    expect(res).toMatchObject({ name: 'Renamed', status: 'inactive', actions: [{ type: 'amount_off', amount: 500 }], usage_limit: 3 });
    expect(res.updated_at >= p.updated_at).toBe(true);
    const window = problem(await admin.PATCH('/v1/promotions/{id}', { ...byId(p.id), body: { ends_at: '2025-05-01T00:00:00Z' } }), 422);
    expect(window.code).toBe('invalid_promotion');
    problem(await admin.PATCH('/v1/promotions/{id}', { ...byId(p.id), body: {} }), 422);
    expect((await admin.PATCH('/v1/promotions/{id}', { ...byId('promo_missing'), body: { name: 'x' } })).error?.code).toBe('promotion_not_found');
  });

  it('lists with a cursor, by status and by code', async () => {
    const a = await createPromotion({ code: 'LIST-A' });
    const b = await createPromotion({ code: 'LIST-B', status: 'inactive' });
    const list = async (query: { limit?: number; starting_after?: string; status?: 'active' | 'inactive'; code?: string }) => ok(await admin.GET('/v1/promotions', { params: { query } }));
    const page1 = await list({ limit: 2 });
    expect(page1).toMatchObject({ object: 'list', has_more: true });
    const page2 = await list({ limit: 2, starting_after: page1.next_cursor! });
    expect(page2.data[0]!.id > page1.data[1]!.id).toBe(true);
    const inactive = (await list({ status: 'inactive', limit: 100 })).data.map((p) => p.id);
    expect(inactive).toContain(b.id);
    expect(inactive).not.toContain(a.id);
    expect((await list({ code: 'list-a' })).data.map((p) => p.id)).toEqual([a.id]);
  });

  it('deletes a promotion never redeemed; one with redemptions answers 409 and stays', async () => {
    const unused = await createPromotion({ code: 'DEL-1' });
    expect(ok(await admin.DELETE('/v1/promotions/{id}', byId(unused.id)), 200)).toEqual({ id: unused.id, object: 'promotion', deleted: true });
    expect((await admin.GET('/v1/promotions/{id}', byId(unused.id))).error?.code).toBe('promotion_not_found');

    const used = await createPromotion({ code: 'DEL-2', usage_limit: 5 });
    const service = t.modules.promotions.service;
    expect(await t.db.forEnv('test').transaction((tx) => service.redeem(tx, { promotionIds: [used.id], orderId: 'ord_del', customerKey: null }))).toEqual({ ok: true });
    expect(ok(await admin.GET('/v1/promotions/{id}', byId(used.id))).times_redeemed).toBe(1);
    const refused = problem(await admin.DELETE('/v1/promotions/{id}', byId(used.id)), 409);
    expect(refused.code).toBe('promotion_in_use');
    // deactivating is the way to retire it
    const off = ok(await admin.PATCH('/v1/promotions/{id}', { ...byId(used.id), body: { status: 'inactive' } }));
    expect(off).toMatchObject({ status: 'inactive', times_redeemed: 1 });
  });

  it('refuses a usage limit below the redemptions already made', async () => {
    const p = await createPromotion({ code: 'LOW-1' });
    const service = t.modules.promotions.service;
    for (const orderId of ['ord_low1', 'ord_low2']) {
      await t.db.forEnv('test').transaction((tx) => service.redeem(tx, { promotionIds: [p.id], orderId, customerKey: null }));
    }
    const res = problem(await admin.PATCH('/v1/promotions/{id}', { ...byId(p.id), body: { usage_limit: 1 } }), 422);
    expect(res).toMatchObject({ code: 'invalid_promotion', errors: [{ pointer: '/usage_limit' }] });
  });
});

describe('promotions access', () => {
  it('needs promotions scopes: a publishable key is refused', async () => {
    const shop = api(t, t.keys.publishable);
    problem(await shop.GET('/v1/promotions'), 403);
    problem(await shop.POST('/v1/promotions', { body: { name: 'x', actions: [tenOff] } }), 403);
    // no key at all: the typed client always sends one
    expect((await t.call('GET', '/v1/promotions', { key: null })).statusCode).toBe(401);
  });

  it('keeps test and live apart', async () => {
    const p = await createPromotion({ code: 'TEST-ONLY' });
    const live = api(t, t.keys.liveSecret);
    problem(await live.GET('/v1/promotions/{id}', byId(p.id)), 404);
    ok(await live.POST('/v1/promotions', { body: { name: 'Live', code: 'TEST-ONLY', actions: [tenOff] } }), 201); // codes are unique per environment
  });
});

describe('promotion rejection metric', () => {
  it('counts rejections by reason in tessera_promotion_rejections_total', async () => {
    t.modules.promotions.recordRejections([
      { promotion_id: 'promo_1', code: 'A', reason: 'expired', detail: '' },
      { promotion_id: 'promo_2', code: 'B', reason: 'expired', detail: '' },
      { promotion_id: 'promo_3', code: 'C', reason: 'min_subtotal_not_met', detail: '' },
    ]);
    const text = await t.metrics.registry.metrics();
    expect(text).toMatch(/tessera_promotion_rejections_total\{reason="expired"\} 2/);
    expect(text).toMatch(/tessera_promotion_rejections_total\{reason="min_subtotal_not_met"\} 1/);
    expect(text).toMatch(/tessera_promotion_rejections_total\{reason="not_combinable"\} 0/);
  });
});

describe('promotion events', () => {
  it('create, update and delete each write their event; a refused write writes none', async () => {
    const { id } = ok(await admin.POST('/v1/promotions', { body: { name: 'Evented', code: `EVT${Date.now()}`, actions: [tenOff] } }), 201);
    ok(await admin.PATCH('/v1/promotions/{id}', { ...byId(id), body: { name: 'Evented twice' } }), 200);
    problem(await admin.PATCH('/v1/promotions/{id}', { ...byId(id), body: { usage_limit: -1 } }), 422);
    ok(await admin.DELETE('/v1/promotions/{id}', byId(id)), 200);
    const events = await eventsOf(t, ['promotion.*'], id);
    expect(events.map((e) => e.type)).toEqual(['promotion.created', 'promotion.updated', 'promotion.deleted']);
    expect(events[0]!.data.object).toMatchObject({ id, name: 'Evented' });
    expect(events[1]!.data.previous_attributes).toMatchObject({ name: 'Evented' });
    expect(events[1]!.data.object).toMatchObject({ name: 'Evented twice' });
  });
});
