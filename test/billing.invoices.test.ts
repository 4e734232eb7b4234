import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleJobs } from '../src/jobs.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { listEvents } from '../src/platform/events/events.repo.js';
import type { Scheduler } from '../src/platform/jobs/scheduler.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { accessToken, signup, type Credentials } from './helpers/partners.js';
import { manualClock } from './helpers/receiver.js';
import { listen, sdk } from './helpers/sdk.js';

// Invoices, end to end: partners make live calls (metered by the platform), the clock passes the
// month's end, the scheduled job finalizes one invoice per partner and period from the live usage
// only, priced by the partner's plan (free quota, then graduated tiers), and emits
// invoice.finalized once. Partners see their own invoices; operators see all.

const clock = manualClock(Date.parse('2026-03-20T12:00:00Z'));
let t: TestApp;

interface Line { meter: string; tier: number; first_unit: number; last_unit: number; quantity: number; unit_amount: number | null; unit_amount_decimal: string; amount: number }
interface Invoice { id: string; partner_id: string; period: string; status: string; currency: string; plan_id: string | null; lines: Line[]; subtotal: number; total: number }

/** A partner approved for live mode, with its test and live credentials. */
async function livePartner(name: string): Promise<{ id: string; test: Credentials; live: Credentials }> {
  const { partner, credentials } = await signup(t, { name, email: `${name.toLowerCase()}@partners.example` });
  const approved = await t.call('POST', `/v1/partners/${partner.id}/approve`, { key: t.keys.liveSecret, body: { scopes: ['catalog:read'] } });
  expect(approved.statusCode, approved.body).toBe(200);
  return { id: partner.id, test: credentials, live: approved.json<{ credentials: Credentials }>().credentials };
}

/** `n` metered calls with a partner's token (each counts one api_call in the token's environment). */
async function calls(token: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await t.call('GET', '/v1/products?limit=1', { key: token });
    expect(res.statusCode, res.body).toBe(200);
  }
}

const operator = (method: string, url: string, body?: unknown) => t.call(method, url, { key: t.keys.liveSecret, ...(body !== undefined ? { body } : {}) });

/** The job as `serve` schedules it: scheduleJobs with a scheduler that records the jobs. */
function scheduledJob(name: string): () => Promise<unknown> {
  const jobs = new Map<string, () => Promise<unknown>>();
  const recorder = { every: (n: string, _ms: number, job: () => Promise<unknown>) => void jobs.set(n, job) };
  scheduleJobs(recorder as unknown as Scheduler, { db: t.db, ids: ulidIds(), logger: t.logger, idempotency: t.idempotency, modules: t.modules, eventRetentionDays: 30 });
  const job = jobs.get(name);
  if (!job) throw new Error(`no job ${name}`);
  return job;
}

const finalizedEvents = async () => (await listEvents(t.db.forEnv('live'), 'live', { types: ['invoice.finalized'], limit: 100 })).reverse();

let metered: { id: string; test: Credentials; live: Credentials };
let other: { id: string; test: Credentials; live: Credentials };
let planId: string;

beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
  // api_calls: 3 free, then units 4–5 at 100, then 12.5 each (rounded once per line); the other meters free
  const plan = await operator('POST', '/v1/plans', {
    name: 'Metered',
    currency: 'EUR',
    meters: {
      api_calls: { free_quota: 3, tiers: [{ up_to: 5, unit_amount: 100 }, { up_to: null, unit_amount: 0, unit_amount_decimal: '12.5' }], hard_cap: null, soft_threshold: null },
      recommendation_calls: { free_quota: 0, tiers: [{ up_to: null, unit_amount: 7 }], hard_cap: null, soft_threshold: null },
      checkout_calls: { free_quota: 0, tiers: [{ up_to: null, unit_amount: 9 }], hard_cap: null, soft_threshold: null },
    },
  });
  expect(plan.statusCode, plan.body).toBe(201);
  planId = plan.json<{ id: string }>().id;
  metered = await livePartner('Metered');
  other = await livePartner('Other');
  expect((await operator('PUT', `/v1/partners/${metered.id}/plan`, { plan_id: planId })).statusCode).toBe(200);
});
afterAll(() => t.close());

describe('invoice finalization', () => {
  let march: Invoice;

  it('finalizes, after the month ends, one invoice per partner from its live usage, priced tier by tier', async () => {
    await calls(await accessToken(t, metered.live), 8); // live: 3 free, 2 × 100, 3 × 12.5 = 37.5 → 38
    await calls(await accessToken(t, metered.test), 5); // test mode: metered, never billed
    await calls(await accessToken(t, other.live), 2); // the default plan: inside its free quota

    // the draft of the current period, computed from the usage so far (an operator's read is not metered)
    const upcoming = await operator('GET', `/v1/invoices/upcoming?partner_id=${metered.id}`);
    expect(upcoming.statusCode, upcoming.body).toBe(200);
    expect(upcoming.json()).toMatchObject({ status: 'draft', period: '2026-03', currency: 'EUR', plan_id: planId, subtotal: 238, total: 238 });

    // the month is not over: nothing to finalize, and naming it is refused
    const job = scheduledJob('billing.finalize_invoices');
    expect(await job()).toEqual({ open_period: '2026-03', created: 0 });
    const early = await operator('POST', '/v1/invoices/finalize', { period: '2026-03' });
    expect(early.statusCode, early.body).toBe(422);
    expect(early.json().code).toBe('period_not_closed');

    clock.set(Date.parse('2026-04-01T00:10:00Z'));
    expect(await job()).toEqual({ open_period: '2026-04', created: 2 });

    const list = await operator('GET', `/v1/invoices?partner_id=${metered.id}`);
    expect(list.statusCode, list.body).toBe(200);
    const invoices = list.json<{ data: Invoice[] }>().data;
    expect(invoices).toHaveLength(1);
    march = invoices[0]!;
    expect(march).toMatchObject({ partner_id: metered.id, period: '2026-03', status: 'finalized', currency: 'EUR', plan_id: planId, subtotal: 238, total: 238 });
    expect(march.lines).toEqual([
      { meter: 'api_calls', tier: 0, first_unit: 1, last_unit: 3, quantity: 3, unit_amount: 0, unit_amount_decimal: '0', amount: 0 },
      { meter: 'api_calls', tier: 1, first_unit: 4, last_unit: 5, quantity: 2, unit_amount: 100, unit_amount_decimal: '100', amount: 200 },
      { meter: 'api_calls', tier: 2, first_unit: 6, last_unit: 8, quantity: 3, unit_amount: null, unit_amount_decimal: '12.5', amount: 38 },
    ]);

    const theOther = (await operator('GET', `/v1/invoices?partner_id=${other.id}`)).json<{ data: Invoice[] }>().data;
    expect(theOther).toHaveLength(1);
    expect(theOther[0]).toMatchObject({ period: '2026-03', plan_id: 'plan_default', currency: 'USD', subtotal: 0, total: 0 });
    expect(theOther[0]!.lines).toEqual([{ meter: 'api_calls', tier: 0, first_unit: 1, last_unit: 2, quantity: 2, unit_amount: 0, unit_amount_decimal: '0', amount: 0 }]);

    // invoice.finalized, once per invoice, in the live outbox, carrying the invoice as GET shows it
    const events = await finalizedEvents();
    expect(events.map((e) => e.data.object.id).sort()).toEqual([march.id, theOther[0]!.id].sort());
    const got = await operator('GET', `/v1/invoices/${march.id}`);
    expect(got.statusCode, got.body).toBe(200);
    expect(events.find((e) => e.data.object.id === march.id)!.data.object).toEqual(got.json());
  });

  it('a second run, by the job or the operator route, creates nothing and emits nothing', async () => {
    expect(await scheduledJob('billing.finalize_invoices')()).toEqual({ open_period: '2026-04', created: 0 });
    const again = await operator('POST', '/v1/invoices/finalize', { period: '2026-03' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual({ object: 'invoice_finalization', open_period: '2026-04', invoices: [] });
    expect(await finalizedEvents()).toHaveLength(2);
    expect((await operator('GET', `/v1/invoices?partner_id=${metered.id}`)).json().data).toHaveLength(1);
  });

  it('concurrent finalizations of a period make one invoice and one event', async () => {
    await calls(await accessToken(t, metered.live), 4); // April: 3 free, 1 × 100
    clock.set(Date.parse('2026-05-01T01:00:00Z'));
    const runs = await Promise.all([
      operator('POST', '/v1/invoices/finalize', {}),
      operator('POST', '/v1/invoices/finalize', { period: '2026-04' }),
      t.modules.billing.invoices.finalizeDue(),
      t.modules.billing.invoices.finalizeDue(),
    ]);
    for (const r of runs) if ('statusCode' in r) expect(r.statusCode, r.body).toBe(200);
    const created = runs.map((r) => ('statusCode' in r ? r.json<{ invoices: Invoice[] }>().invoices.length : r.created));
    expect(created.reduce((a, b) => a + b, 0)).toBe(1);
    const april = (await operator('GET', `/v1/invoices?partner_id=${metered.id}`)).json<{ data: Invoice[] }>().data;
    expect(april.map((i) => i.period)).toEqual(['2026-04', '2026-03']); // newest period first
    expect(april[0]).toMatchObject({ subtotal: 100, total: 100 });
    expect((await finalizedEvents()).filter((e) => e.data.object.period === '2026-04')).toHaveLength(1);
  });

  it('refuses a malformed period', async () => {
    const bad = await operator('POST', '/v1/invoices/finalize', { period: '2026-13' });
    expect(bad.statusCode, bad.body).toBe(422);
    expect(bad.json().code).toBe('invalid_period');
  });
});

describe('who sees which invoices', () => {
  it('a partner sees only its own invoices, newest first, and another partner\'s is 404 (through the SDK)', async () => {
    const token = await accessToken(t, metered.live);
    const api = sdk(t, await listen(t), token);
    const own = await api.GET('/v1/invoices', { params: { query: { limit: 20 } } });
    expect(own.response.status).toBe(200);
    const data = own.data!.data;
    expect(data.map((i) => [i.partner_id, i.period])).toEqual([[metered.id, '2026-04'], [metered.id, '2026-03']]);
    // its test-mode token reads the same account's invoices; asking for another partner's changes nothing
    const viaTest = await sdk(t, await listen(t), await accessToken(t, metered.test)).GET('/v1/invoices', { params: { query: { limit: 20, partner_id: other.id } } });
    expect(viaTest.data!.data.map((i) => i.id)).toEqual(data.map((i) => i.id));

    const othersInvoice = (await operator('GET', `/v1/invoices?partner_id=${other.id}`)).json<{ data: Invoice[] }>().data[0]!;
    const foreign = await api.GET('/v1/invoices/{id}', { params: { path: { id: othersInvoice.id } } });
    expect(foreign.response.status).toBe(404);
    expect(foreign.error).toMatchObject({ code: 'invoice_not_found' });
    const mine = await api.GET('/v1/invoices/{id}', { params: { path: { id: data[0]!.id } } });
    expect(mine.data).toEqual(data[0]);
  });

  it('a partner\'s upcoming invoice is its own current period, from live usage only', async () => {
    clock.set(Date.parse('2026-06-15T08:00:00Z'));
    const token = await accessToken(t, metered.live);
    await calls(await accessToken(t, metered.test), 2); // test mode: not on the invoice
    const res = await t.call('GET', '/v1/invoices/upcoming', { key: token }); // this call is the period's first live one: 1 free unit
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ partner_id: metered.id, period: '2026-06', period_start: '2026-06-01T00:00:00.000Z', period_end: '2026-07-01T00:00:00.000Z', status: 'draft', subtotal: 0 });
    expect(res.json().lines).toEqual([{ meter: 'api_calls', tier: 0, first_unit: 1, last_unit: 1, quantity: 1, unit_amount: 0, unit_amount_decimal: '0', amount: 0 }]);
  });

  it('operators see every partner\'s invoices, paginated newest first', async () => {
    const all = await operator('GET', '/v1/invoices');
    expect(all.statusCode, all.body).toBe(200);
    const data = all.json<{ data: Invoice[] }>().data;
    expect(data.map((i) => i.period)).toEqual(['2026-04', '2026-03', '2026-03']);
    expect(new Set(data.map((i) => i.partner_id))).toEqual(new Set([metered.id, other.id]));

    const first = await operator('GET', '/v1/invoices?limit=2');
    expect(first.json()).toMatchObject({ has_more: true });
    const rest = await operator('GET', `/v1/invoices?limit=2&starting_after=${first.json<{ next_cursor: string }>().next_cursor}`);
    expect([...first.json<{ data: Invoice[] }>().data, ...rest.json<{ data: Invoice[] }>().data].map((i) => i.id)).toEqual(data.map((i) => i.id));
    expect(rest.json()).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('test-mode keys cannot read or finalize invoices; operators must name the partner of an upcoming invoice', async () => {
    const testKey = await t.call('GET', '/v1/invoices');
    expect(testKey.statusCode, testKey.body).toBe(403);
    expect(testKey.json().code).toBe('live_mode_required');
    expect((await t.call('POST', '/v1/invoices/finalize', { body: {} })).statusCode).toBe(403);
    const unnamed = await operator('GET', '/v1/invoices/upcoming');
    expect(unnamed.statusCode, unnamed.body).toBe(422);
    expect(unnamed.json().code).toBe('partner_required');
    const unknown = await operator('GET', '/v1/invoices/upcoming?partner_id=ptr_nobody');
    expect(unknown.statusCode, unknown.body).toBe(404);
    expect(unknown.json().code).toBe('partner_not_found');
  });
});
