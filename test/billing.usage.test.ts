import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../src/platform/events/events.repo.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { checkout, createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { productBody } from './helpers/fixtures.js';
import { accessToken, signup, type SignedUp } from './helpers/partners.js';

// Usage metering of partner calls (#6): every call of a partner credential counts on api_calls,
// checkouts on checkout_calls too, before the handler runs; live-mode hard caps refuse calls with
// 429 quota_exceeded, soft thresholds emit usage.threshold_reached once per period.
let t: TestApp;
/** The app's clock: real time unless a test moves it (the month boundary). */
let clock: Date | null = null;

beforeAll(async () => {
  t = await startTestApp({ now: () => clock ?? new Date() });
});
afterAll(() => t.close());

interface MeterUsage { quantity: number; free_quota: number; free_remaining: number; hard_cap: number | null; soft_threshold: number | null; cap_remaining: number | null }
interface Usage { partner_id: string; environment: string; plan_id: string; period: string; period_start: string; period_end: string; meters: Record<string, MeterUsage> }

const operator = (method: string, url: string, body?: unknown) => t.call(method, url, { key: t.keys.liveSecret, body });

/** A signed-up partner with live credentials too (approved with every scope it asked for). */
async function livePartner(scopes = ['catalog:write']): Promise<{ signed: SignedUp; live: { client_id: string; client_secret: string } }> {
  const signed = await signup(t, { scopes, name: `P ${crypto.randomUUID()}` });
  const res = await operator('POST', `/v1/partners/${signed.partner.id}/approve`, { scopes });
  expect(res.statusCode, res.body).toBe(200);
  return { signed, live: res.json<{ credentials: { client_id: string; client_secret: string } }>().credentials };
}

/** A plan with the default prices and, on api_calls, the given cap and threshold; assigned to the partner. */
async function planFor(partnerId: string, apiCalls: { hard_cap: number | null; soft_threshold: number | null }): Promise<string> {
  const meter = { free_quota: 0, tiers: [{ up_to: null, unit_amount: 1 }], hard_cap: null, soft_threshold: null };
  const created = await operator('POST', '/v1/plans', { name: 'Capped', currency: 'USD', meters: { api_calls: { ...meter, ...apiCalls }, recommendation_calls: meter, checkout_calls: meter } });
  expect(created.statusCode, created.body).toBe(201);
  const plan = created.json<{ id: string }>();
  const assigned = await operator('PUT', `/v1/partners/${partnerId}/plan`, { plan_id: plan.id });
  expect(assigned.statusCode, assigned.body).toBe(200);
  return plan.id;
}

async function usageOf(token: string, query = ''): Promise<Usage[]> {
  const res = await t.call('GET', `/v1/usage${query}`, { key: token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ data: Usage[] }>().data;
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
    const first = await checkout(t, cartId, 'tok_visa', { key: token, idempotencyKey: key });
    expect(first.statusCode, first.body).toBe(201);
    const retry = await checkout(t, cartId, 'tok_visa', { key: token, idempotencyKey: key });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');

    const [usage, ...rest] = await usageOf(token); // this GET is a call too
    expect(rest).toEqual([]);
    expect(usage).toMatchObject({ partner_id: partner.partner.id, environment: 'test', plan_id: 'plan_default' });
    expect(usage!.meters.api_calls).toMatchObject({ quantity: 5, free_quota: 10000, free_remaining: 9995, hard_cap: null, soft_threshold: null });
    expect(usage!.meters.checkout_calls).toMatchObject({ quantity: 1, free_remaining: 99 });
    expect(usage!.meters.recommendation_calls!.quantity).toBe(0);
    const now = new Date();
    expect(usage!.period).toBe(`${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`);
    expect(new Date(usage!.period_start).getUTCDate()).toBe(1);
  });

  it('counts concurrent POSTs with one Idempotency-Key once', async () => {
    const partner = await signup(t, { scopes: ['catalog:write'] });
    const token = await accessToken(t, partner.credentials);
    const key = crypto.randomUUID();
    const body = productBody();
    const results = await Promise.all(Array.from({ length: 4 }, () => t.call('POST', '/v1/products', { key: token, body, headers: { 'idempotency-key': key } })));
    expect(results.some((r) => r.statusCode === 201)).toBe(true);
    const [usage] = await usageOf(token);
    expect(usage!.meters.api_calls!.quantity).toBe(2); // one product creation, one usage read
  });

  it('does not meter operator keys or API keys', async () => {
    const before = await usageEvents();
    expect((await t.call('GET', '/v1/products')).statusCode).toBe(200);
    expect((await operator('GET', '/v1/plans')).statusCode).toBe(200);
    expect((await t.call('GET', '/v1/products', { key: t.keys.publishable })).statusCode).toBe(200);
    expect(await usageEvents()).toBe(before);
  });

  it('refuses a live call at the hard cap with 429 quota_exceeded and RateLimit headers, without running it', async () => {
    const { signed, live } = await livePartner(['catalog:write']);
    await planFor(signed.partner.id, { hard_cap: 2, soft_threshold: null });
    const token = await accessToken(t, live);
    expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
    expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
    const body = productBody();
    const refused = await t.call('POST', '/v1/products', { key: token, body, headers: { 'idempotency-key': crypto.randomUUID() } });
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'quota_exceeded' });
    expect(refused.headers['ratelimit-policy']).toMatch(/^"quota";q=2;w=\d+$/);
    expect(refused.headers.ratelimit).toMatch(/^"quota";r=0;t=\d+$/);
    const reset = Number(/t=(\d+)/.exec(String(refused.headers.ratelimit))![1]);
    expect(Number(refused.headers['retry-after'])).toBe(reset);
    expect(reset).toBeLessThanOrEqual(31 * 86400);
    // nothing was written: the product does not exist in live mode
    const products = await operator('GET', '/v1/products?limit=100');
    expect(products.json<{ data: { title: string }[] }>().data.map((p) => p.title)).not.toContain(body.title);
    // GET /v1/usage is a call too: refused at the cap (the operator sees the partner's usage)
    expect((await t.call('GET', '/v1/usage', { key: token })).statusCode).toBe(429);
    const seen = await operator('GET', `/v1/usage?partner_id=${signed.partner.id}&environment=live`);
    expect(seen.json<{ data: Usage[] }>().data[0]!.meters.api_calls).toMatchObject({ quantity: 2, hard_cap: 2, cap_remaining: 0 });
  });

  it('lets exactly cap calls through when they race at the cap', async () => {
    const { signed, live } = await livePartner(['catalog:read']);
    await planFor(signed.partner.id, { hard_cap: 5, soft_threshold: null });
    const token = await accessToken(t, live);
    const results = await Promise.all(Array.from({ length: 14 }, () => t.call('GET', '/v1/products', { key: token })));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(5);
    expect(results.filter((r) => r.statusCode === 429)).toHaveLength(9);
    const seen = await operator('GET', `/v1/usage?partner_id=${signed.partner.id}&environment=live`);
    expect(seen.json<{ data: Usage[] }>().data[0]!.meters.api_calls!.quantity).toBe(5);
  });

  it('never caps test-mode calls', async () => {
    const { signed } = await livePartner(['catalog:read']);
    await planFor(signed.partner.id, { hard_cap: 1, soft_threshold: 1 });
    const token = await accessToken(t, signed.credentials);
    for (let i = 0; i < 3; i++) expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
    const [usage] = await usageOf(token);
    expect(usage!.meters.api_calls).toMatchObject({ quantity: 4, hard_cap: null, soft_threshold: null });
  });
});

describe('usage events', () => {
  it('are pruned after the idempotency window; the counters keep the totals', async () => {
    const partner = await signup(t);
    const token = await accessToken(t, partner.credentials);
    expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
    expect(await usageEvents()).toBeGreaterThan(0);
    expect(await t.modules.billing.usage.pruneEvents(0)).toBeGreaterThan(0);
    expect(await usageEvents()).toBe(0);
    const [usage] = await usageOf(token);
    expect(usage!.meters.api_calls!.quantity).toBe(2);
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
      for (let i = 0; i < 4; i++) expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
      const first = await thresholdEvents();
      expect(first).toHaveLength(1);
      expect(first[0]!.data.object).toEqual({ object: 'usage_threshold', partner_id: signed.partner.id, environment: 'live', meter: 'api_calls', period: '2026-12', threshold: 2, quantity: 2 });

      clock = new Date('2027-01-01T00:00:10Z');
      token = await accessToken(t, live);
      expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
      expect(await thresholdEvents()).toHaveLength(1);
      expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
      expect((await t.call('GET', '/v1/products', { key: token })).statusCode).toBe(200);
      const events = await thresholdEvents();
      expect(events.map((e) => e.data.object.period).sort()).toEqual(['2026-12', '2027-01']);
      const [usage] = await usageOf(token);
      expect(usage).toMatchObject({ period: '2027-01', period_start: '2027-01-01T00:00:00.000Z', period_end: '2027-02-01T00:00:00.000Z' });
      expect(usage!.meters.api_calls!.quantity).toBe(4);
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
    await t.call('GET', '/v1/products', { key: tokenB });
    const own = await usageOf(tokenA);
    expect(own.map((u) => u.partner_id)).toEqual([a.partner.id]);
    const other = await t.call('GET', `/v1/usage?partner_id=${b.partner.id}`, { key: tokenA });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'partner_not_found' });

    const one = await operator('GET', `/v1/usage?partner_id=${b.partner.id}&environment=test`);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json<{ data: Usage[] }>().data).toMatchObject([{ partner_id: b.partner.id, environment: 'test', meters: { api_calls: { quantity: 1 } } }]);
    const all: Usage[] = [];
    let cursor: string | null = null;
    do {
      const page = await operator('GET', `/v1/usage?limit=2${cursor ? `&starting_after=${cursor}` : ''}`);
      expect(page.statusCode, page.body).toBe(200);
      const body = page.json<{ data: Usage[]; next_cursor: string | null }>();
      all.push(...body.data);
      cursor = body.next_cursor;
    } while (cursor);
    expect(all.map((u) => u.partner_id)).toEqual(expect.arrayContaining([a.partner.id, b.partner.id]));
    expect((await operator('GET', '/v1/usage?partner_id=ptr_missing')).statusCode).toBe(404);
    expect((await t.call('GET', '/v1/usage')).statusCode).toBe(403); // a test-mode key is no operator
  });

  it('validates plans and their assignment', async () => {
    const meter = { free_quota: 0, tiers: [{ up_to: 10, unit_amount: 1 }], hard_cap: null, soft_threshold: null };
    const bad = await operator('POST', '/v1/plans', { name: 'Bad', currency: 'USD', meters: { api_calls: meter, recommendation_calls: meter, checkout_calls: meter } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'invalid_plan' });
    expect((await operator('PUT', '/v1/partners/ptr_missing/plan', { plan_id: 'plan_default' })).statusCode).toBe(404);
    const partner = await signup(t);
    expect((await operator('PUT', `/v1/partners/${partner.partner.id}/plan`, { plan_id: 'plan_missing' })).statusCode).toBe(404);
    const plan = await operator('GET', '/v1/plans/plan_default');
    expect(plan.json()).toMatchObject({ id: 'plan_default', default: true, currency: 'USD' });
    const token = await accessToken(t, partner.credentials);
    expect((await t.call('GET', '/v1/plans', { key: token })).statusCode).toBe(403);
  });
});
