import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../src/platform/events/events.repo.js';
import { idempotencyHeader, type operations, type Schema, type TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { productBody } from './helpers/fixtures.js';
import { accessToken, signup, type SignedUp } from './helpers/partners.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

type NewProduct = operations['postV1Products']['requestBody']['content']['application/json'];
type Usage = Schema<'Usage'>;

// Usage metering of partner calls (#6): every call of a partner credential counts on api_calls,
// checkouts on checkout_calls too, before the handler runs; live-mode hard caps refuse calls with
// 429 quota_exceeded, soft thresholds emit usage.threshold_reached once per period.
let t: TestApp;
/** The app's clock: real time unless a test moves it (the month boundary). */
let clock: Date | null = null;
/** Operators: the live secret key (billing is operated in live mode). */
let operator: TesseraClient;

beforeAll(async () => {
  t = await startTestApp({ now: () => clock ?? new Date() });
  operator = api(t, t.keys.liveSecret);
});
afterAll(() => t.close());

/** The shared fixture product (a valid product body), typed for the SDK. */
const newProduct = () => productBody() as NewProduct;
const partnerPath = (id: string) => ({ path: { id } });

/** A signed-up partner with live credentials too (approved with every scope it asked for). */
async function livePartner(scopes = ['catalog:write']): Promise<{ signed: SignedUp; live: { client_id: string; client_secret: string } }> {
  const signed = await signup(t, { scopes, name: `P ${crypto.randomUUID()}` });
  const approved = ok(await operator.POST('/v1/partners/{id}/approve', { params: partnerPath(signed.partner.id), body: { scopes } }), 200);
  return { signed, live: approved.credentials };
}

/** A plan with the default prices and, on api_calls, the given cap and threshold; assigned to the partner. */
async function planFor(partnerId: string, apiCalls: { hard_cap: number | null; soft_threshold: number | null }): Promise<string> {
  const meter = { free_quota: 0, tiers: [{ up_to: null, unit_amount: 1 }], hard_cap: null, soft_threshold: null };
  const plan = ok(await operator.POST('/v1/plans', { body: { name: 'Capped', currency: 'USD', meters: { api_calls: { ...meter, ...apiCalls }, recommendation_calls: meter, checkout_calls: meter } } }), 201);
  ok(await operator.PUT('/v1/partners/{id}/plan', { params: partnerPath(partnerId), body: { plan_id: plan.id } }), 200);
  return plan.id;
}

async function usageOf(token: string) {
  return ok(await api(t, token).GET('/v1/usage'), 200).data;
}

/** `count` catalog reads as `token`, each of which must succeed. */
async function readProducts(token: string, count = 1): Promise<void> {
  const partner = api(t, token);
  for (let i = 0; i < count; i++) ok(await partner.GET('/v1/products'), 200);
}

const usageEvents = async () => Number((await t.db.forEnv('live').query<{ n: string }>('SELECT count(*) AS n FROM usage_events')).rows[0]!.n);

describe('metering', () => {
  it('counts every partner call on api_calls and a sandbox checkout on checkout_calls too; a retried checkout once', async () => {
    const partner = await signup(t, { scopes: ['carts:write', 'checkout:write'] });
    const token = await accessToken(t, partner.credentials);
    const country = freshCountry();
    const store = await createStore(t, { country, partner: partner.partner.id }); // in the partner's sandbox, with the operator's test key: not metered
    const cartId = await readyCart(t, store, { country, key: token }); // 3 calls
    const key = crypto.randomUUID();
    const shop = api(t, token);
    ok(await checkout(shop, cartId, 'tok_visa', { idempotencyKey: key }), 201);
    const retry = await checkout(shop, cartId, 'tok_visa', { idempotencyKey: key });
    ok(retry, 201);
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');

    const [usage, ...rest] = await usageOf(token); // this GET is a call too
    expect(rest).toEqual([]);
    expect(usage).toMatchObject({ partner_id: partner.partner.id, environment: 'test', plan_id: 'plan_default' });
    expect(usage!.meters.api_calls).toMatchObject({ quantity: 5, free_quota: 10000, free_remaining: 9995, hard_cap: null, soft_threshold: null });
    expect(usage!.meters.checkout_calls).toMatchObject({ quantity: 1, free_remaining: 99 });
    expect(usage!.meters.recommendation_calls.quantity).toBe(0);
    const now = new Date();
    expect(usage!.period).toBe(`${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`);
    expect(new Date(usage!.period_start).getUTCDate()).toBe(1);
  });

  it('counts concurrent POSTs with one Idempotency-Key once', async () => {
    const partner = await signup(t, { scopes: ['catalog:write'] });
    const token = await accessToken(t, partner.credentials);
    const key = crypto.randomUUID();
    const body = newProduct();
    const client = api(t, token);
    const results = await Promise.all(Array.from({ length: 4 }, () => client.POST('/v1/products', { body, headers: idempotencyHeader(key) })));
    expect(results.some((r) => r.response.status === 201)).toBe(true);
    const [usage] = await usageOf(token);
    expect(usage!.meters.api_calls.quantity).toBe(2); // one product creation, one usage read
  });

  it('does not meter operator keys or API keys', async () => {
    const before = await usageEvents();
    ok(await api(t).GET('/v1/products'), 200);
    ok(await operator.GET('/v1/plans'), 200);
    ok(await api(t, t.keys.publishable).GET('/v1/products'), 200);
    expect(await usageEvents()).toBe(before);
  });

  it('refuses a live call at the hard cap with 429 quota_exceeded and RateLimit headers, without running it', async () => {
    const { signed, live } = await livePartner(['catalog:write']);
    await planFor(signed.partner.id, { hard_cap: 2, soft_threshold: null });
    const token = await accessToken(t, live);
    await readProducts(token, 2);
    const partner = api(t, token);
    const body = newProduct();
    const refused = await partner.POST('/v1/products', { body, headers: idempotencyHeader() });
    expect(problem(refused, 429)).toMatchObject({ code: 'quota_exceeded' });
    const headers = refused.response.headers;
    expect(headers.get('ratelimit-policy')).toMatch(/^"quota";q=2;w=\d+$/);
    expect(headers.get('ratelimit')).toMatch(/^"quota";r=0;t=\d+$/);
    const reset = Number(/t=(\d+)/.exec(String(headers.get('ratelimit')))![1]);
    expect(Number(headers.get('retry-after'))).toBe(reset);
    expect(reset).toBeLessThanOrEqual(31 * 86400);
    // nothing was written: the product does not exist in live mode
    const products = ok(await operator.GET('/v1/products', { params: { query: { limit: 100 } } }));
    expect(products.data.map((p) => p.title)).not.toContain(body.title);
    // GET /v1/usage is a call too: refused at the cap (the operator sees the partner's usage)
    problem(await partner.GET('/v1/usage'), 429);
    const seen = ok(await operator.GET('/v1/usage', { params: { query: { partner_id: signed.partner.id, environment: 'live' } } }));
    expect(seen.data[0]!.meters.api_calls).toMatchObject({ quantity: 2, hard_cap: 2, cap_remaining: 0 });
  });

  it('lets exactly cap calls through when they race at the cap', async () => {
    const { signed, live } = await livePartner(['catalog:read']);
    await planFor(signed.partner.id, { hard_cap: 5, soft_threshold: null });
    const token = await accessToken(t, live);
    const partner = api(t, token);
    const results = await Promise.all(Array.from({ length: 14 }, () => partner.GET('/v1/products')));
    expect(results.filter((r) => r.response.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.response.status === 429)).toHaveLength(9);
    const seen = ok(await operator.GET('/v1/usage', { params: { query: { partner_id: signed.partner.id, environment: 'live' } } }));
    expect(seen.data[0]!.meters.api_calls.quantity).toBe(5);
  });

  it('never caps test-mode calls', async () => {
    const { signed } = await livePartner(['catalog:read']);
    await planFor(signed.partner.id, { hard_cap: 1, soft_threshold: 1 });
    const token = await accessToken(t, signed.credentials);
    await readProducts(token, 3);
    const [usage] = await usageOf(token);
    expect(usage!.meters.api_calls).toMatchObject({ quantity: 4, hard_cap: null, soft_threshold: null });
  });
});

describe('usage events', () => {
  it('are pruned after the idempotency window; the counters keep the totals', async () => {
    const partner = await signup(t);
    const token = await accessToken(t, partner.credentials);
    await readProducts(token);
    expect(await usageEvents()).toBeGreaterThan(0);
    expect(await t.modules.billing.usage.pruneEvents(0)).toBeGreaterThan(0);
    expect(await usageEvents()).toBe(0);
    const [usage] = await usageOf(token);
    expect(usage!.meters.api_calls.quantity).toBe(2);
  });
});

describe('soft threshold', () => {
  it('emits usage.threshold_reached once per period, again after the month boundary', async () => {
    const { signed, live } = await livePartner(['catalog:read']);
    await planFor(signed.partner.id, { hard_cap: null, soft_threshold: 2 });
    const thresholdEvents = async () =>
      (await listEvents(t.db.forEnv('live'), 'live', { types: ['usage.threshold_reached'], limit: 100 })).filter((e) => e.data.object.partner_id === signed.partner.id);
    try {
      clock = new Date('2026-12-31T23:50:00Z');
      let token = await accessToken(t, live);
      await readProducts(token, 4);
      const first = await thresholdEvents();
      expect(first).toHaveLength(1);
      expect(first[0]!.data.object).toEqual({ object: 'usage_threshold', partner_id: signed.partner.id, environment: 'live', meter: 'api_calls', period: '2026-12', threshold: 2, quantity: 2 });

      clock = new Date('2027-01-01T00:00:10Z');
      token = await accessToken(t, live);
      await readProducts(token);
      expect(await thresholdEvents()).toHaveLength(1);
      await readProducts(token, 2);
      const events = await thresholdEvents();
      expect(events.map((e) => e.data.object.period).sort()).toEqual(['2026-12', '2027-01']);
      const [usage] = await usageOf(token);
      expect(usage).toMatchObject({ period: '2027-01', period_start: '2027-01-01T00:00:00.000Z', period_end: '2027-02-01T00:00:00.000Z' });
      expect(usage!.meters.api_calls.quantity).toBe(4);
    } finally {
      clock = null;
    }
  });
});

describe('GET /v1/usage', () => {
  it("shows a partner its own usage only, and operators any partner's or all", async () => {
    const a = await signup(t, { scopes: ['catalog:read'] });
    const b = await signup(t, { scopes: ['catalog:read'] });
    const tokenA = await accessToken(t, a.credentials);
    const tokenB = await accessToken(t, b.credentials);
    await api(t, tokenB).GET('/v1/products');
    const own = await usageOf(tokenA);
    expect(own.map((u) => u.partner_id)).toEqual([a.partner.id]);
    const other = problem(await api(t, tokenA).GET('/v1/usage', { params: { query: { partner_id: b.partner.id } } }), 404);
    expect(other).toMatchObject({ code: 'partner_not_found' });

    const one = ok(await operator.GET('/v1/usage', { params: { query: { partner_id: b.partner.id, environment: 'test' } } }), 200);
    expect(one.data).toMatchObject([{ partner_id: b.partner.id, environment: 'test', meters: { api_calls: { quantity: 1 } } }]);
    const all: Usage[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Usage[]; next_cursor: string | null } = ok(await operator.GET('/v1/usage', { params: { query: { limit: 2, ...(cursor ? { starting_after: cursor } : {}) } } }), 200);
      all.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    expect(all.map((u) => u.partner_id)).toEqual(expect.arrayContaining([a.partner.id, b.partner.id]));
    problem(await operator.GET('/v1/usage', { params: { query: { partner_id: 'ptr_missing' } } }), 404);
    problem(await api(t).GET('/v1/usage'), 403); // a test-mode key is no operator
  });

  it('validates plans and their assignment', async () => {
    const meter = { free_quota: 0, tiers: [{ up_to: 10, unit_amount: 1 }], hard_cap: null, soft_threshold: null };
    const bad = problem(await operator.POST('/v1/plans', { body: { name: 'Bad', currency: 'USD', meters: { api_calls: meter, recommendation_calls: meter, checkout_calls: meter } } }), 422);
    expect(bad).toMatchObject({ code: 'invalid_plan' });
    problem(await operator.PUT('/v1/partners/{id}/plan', { params: partnerPath('ptr_missing'), body: { plan_id: 'plan_default' } }), 404);
    const partner = await signup(t);
    problem(await operator.PUT('/v1/partners/{id}/plan', { params: partnerPath(partner.partner.id), body: { plan_id: 'plan_missing' } }), 404);
    const plan = ok(await operator.GET('/v1/plans/{id}', { params: { path: { id: 'plan_default' } } }));
    expect(plan).toMatchObject({ id: 'plan_default', default: true, currency: 'USD' });
    const token = await accessToken(t, partner.credentials);
    problem(await api(t, token).GET('/v1/plans'), 403);
  });
});
