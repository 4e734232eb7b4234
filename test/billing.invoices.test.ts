import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleJobs } from '../src/jobs.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { listEvents } from '../src/platform/events/events.repo.js';
import type { Scheduler } from '../src/platform/jobs/scheduler.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { accessToken, signup, type Credentials } from './helpers/partners.js';
import { manualClock } from './helpers/receiver.js';
import { api, ok, problem } from './helpers/sdk.js';
import type { Schema, TesseraClient } from '../sdk/index.js';

// Invoices, end to end: partners make live calls (metered by the platform), the clock passes the
// month's end, the scheduled job finalizes one invoice per partner and period from the live usage
// only, priced by the partner's plan (free quota, then graduated tiers), and emits
// invoice.finalized once. Partners see their own invoices; operators see all.

const clock = manualClock(Date.parse('2026-03-20T12:00:00Z'));
let t: TestApp;
/** Operators: the live secret key (billing is operated in live mode). */
let operator: TesseraClient;

type Invoice = Schema<'Invoice'>;

/** A partner approved for live mode, with its test and live credentials. */
async function livePartner(name: string): Promise<{ id: string; test: Credentials; live: Credentials }> {
  const { partner, credentials } = await signup(t, { name, email: `${name.toLowerCase()}@partners.example` });
  const approved = ok(await operator.POST('/v1/partners/{id}/approve', { params: { path: { id: partner.id } }, body: { scopes: ['catalog:read'] } }), 200);
  return { id: partner.id, test: credentials, live: approved.credentials };
}

/** `n` metered calls with a partner's token (each counts one api_call in the token's environment). */
async function calls(token: string, n: number): Promise<void> {
  const partner = api(t, token);
  for (let i = 0; i < n; i++) ok(await partner.GET('/v1/products', { params: { query: { limit: 1 } } }), 200);
}

/** The invoices an operator lists, of one partner or all. */
async function invoicesOf(query: { partner_id?: string; limit?: number; starting_after?: string } = {}) {
  return ok(await operator.GET('/v1/invoices', { params: { query } }), 200);
}
const finalize = (body: { period?: string }) => operator.POST('/v1/invoices/finalize', { body });

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
  operator = api(t, t.keys.liveSecret);
  // api_calls: 3 free, then units 4–5 at 100, then 12.5 each (rounded once per line); the other meters free
  const meter = (freeQuota: number, tiers: { up_to: number | null; unit_amount: number; unit_amount_decimal?: string }[]) => ({ free_quota: freeQuota, tiers, hard_cap: null, soft_threshold: null });
  const plan = await operator.POST('/v1/plans', {
    body: {
      name: 'Metered',
      currency: 'EUR',
      meters: {
        api_calls: meter(3, [{ up_to: 5, unit_amount: 100 }, { up_to: null, unit_amount: 0, unit_amount_decimal: '12.5' }]),
        recommendation_calls: meter(0, [{ up_to: null, unit_amount: 7 }]),
        checkout_calls: meter(0, [{ up_to: null, unit_amount: 9 }]),
      },
    },
  });
  planId = ok(plan, 201).id;
  metered = await livePartner('Metered');
  other = await livePartner('Other');
  ok(await operator.PUT('/v1/partners/{id}/plan', { params: { path: { id: metered.id } }, body: { plan_id: planId } }), 200);
});
afterAll(() => t.close());

describe('invoice finalization', () => {
  let march: Invoice;

  it('finalizes, after the month ends, one invoice per partner from its live usage, priced tier by tier', async () => {
    await calls(await accessToken(t, metered.live), 8); // live: 3 free, 2 × 100, 3 × 12.5 = 37.5 → 38
    await calls(await accessToken(t, metered.test), 5); // test mode: metered, never billed
    await calls(await accessToken(t, other.live), 2); // the default plan: inside its free quota

    // the draft of the current period, computed from the usage so far (an operator's read is not metered)
    const upcoming = ok(await operator.GET('/v1/invoices/upcoming', { params: { query: { partner_id: metered.id } } }), 200);
    expect(upcoming).toMatchObject({ status: 'draft', period: '2026-03', currency: 'EUR', plan_id: planId, subtotal: 238, total: 238 });

    // the month is not over: nothing to finalize, and naming it is refused
    const job = scheduledJob('billing.finalize_invoices');
    expect(await job()).toEqual({ open_period: '2026-03', created: 0 });
    expect(problem(await finalize({ period: '2026-03' }), 422).code).toBe('period_not_closed');

    clock.set(Date.parse('2026-04-01T00:10:00Z'));
    expect(await job()).toEqual({ open_period: '2026-04', created: 2 });

    const invoices = (await invoicesOf({ partner_id: metered.id })).data;
    expect(invoices).toHaveLength(1);
    march = invoices[0]!;
    expect(march).toMatchObject({ partner_id: metered.id, period: '2026-03', status: 'finalized', currency: 'EUR', plan_id: planId, subtotal: 238, total: 238 });
    expect(march.lines).toEqual([
      { meter: 'api_calls', tier: 0, first_unit: 1, last_unit: 3, quantity: 3, unit_amount: 0, unit_amount_decimal: '0', amount: 0 },
      { meter: 'api_calls', tier: 1, first_unit: 4, last_unit: 5, quantity: 2, unit_amount: 100, unit_amount_decimal: '100', amount: 200 },
      { meter: 'api_calls', tier: 2, first_unit: 6, last_unit: 8, quantity: 3, unit_amount: null, unit_amount_decimal: '12.5', amount: 38 },
    ]);

    const theOther = (await invoicesOf({ partner_id: other.id })).data;
    expect(theOther).toHaveLength(1);
    expect(theOther[0]).toMatchObject({ period: '2026-03', plan_id: 'plan_default', currency: 'USD', subtotal: 0, total: 0 });
    expect(theOther[0]!.lines).toEqual([{ meter: 'api_calls', tier: 0, first_unit: 1, last_unit: 2, quantity: 2, unit_amount: 0, unit_amount_decimal: '0', amount: 0 }]);

    // invoice.finalized, once per invoice, in the live outbox, carrying the invoice as GET shows it
    const events = await finalizedEvents();
    expect(events.map((e) => e.data.object.id).sort()).toEqual([march.id, theOther[0]!.id].sort());
    const got = ok(await operator.GET('/v1/invoices/{id}', { params: { path: { id: march.id } } }), 200);
    expect(events.find((e) => e.data.object.id === march.id)!.data.object).toEqual(got);
  });

  it('a second run, by the job or the operator route, creates nothing and emits nothing', async () => {
    expect(await scheduledJob('billing.finalize_invoices')()).toEqual({ open_period: '2026-04', created: 0 });
    const again = ok(await finalize({ period: '2026-03' }), 200);
    expect(again).toEqual({ object: 'invoice_finalization', open_period: '2026-04', invoices: [] });
    expect(await finalizedEvents()).toHaveLength(2);
    expect((await invoicesOf({ partner_id: metered.id })).data).toHaveLength(1);
  });

  it('concurrent finalizations of a period make one invoice and one event', async () => {
    await calls(await accessToken(t, metered.live), 4); // April: 3 free, 1 × 100
    clock.set(Date.parse('2026-05-01T01:00:00Z'));
    const created = await Promise.all([
      finalize({}).then((r) => ok(r, 200).invoices.length),
      finalize({ period: '2026-04' }).then((r) => ok(r, 200).invoices.length),
      t.modules.billing.invoices.finalizeDue().then((r) => r.created),
      t.modules.billing.invoices.finalizeDue().then((r) => r.created),
    ]);
    expect(created.reduce((a, b) => a + b, 0)).toBe(1);
    const april = (await invoicesOf({ partner_id: metered.id })).data;
    expect(april.map((i) => i.period)).toEqual(['2026-04', '2026-03']); // newest period first
    expect(april[0]).toMatchObject({ subtotal: 100, total: 100 });
    expect((await finalizedEvents()).filter((e) => e.data.object.period === '2026-04')).toHaveLength(1);
  });

  it('refuses a malformed period', async () => {
    expect(problem(await finalize({ period: '2026-13' }), 422).code).toBe('invalid_period');
  });
});

describe('who sees which invoices', () => {
  it('a partner sees only its own invoices, newest first, and another partner\'s is 404 (through the SDK)', async () => {
    const token = await accessToken(t, metered.live);
    const partner = api(t, token);
    const data = ok(await partner.GET('/v1/invoices', { params: { query: { limit: 20 } } }), 200).data;
    expect(data.map((i) => [i.partner_id, i.period])).toEqual([[metered.id, '2026-04'], [metered.id, '2026-03']]);
    // its test-mode token reads the same account's invoices; asking for another partner's changes nothing
    const viaTest = await api(t, await accessToken(t, metered.test)).GET('/v1/invoices', { params: { query: { limit: 20, partner_id: other.id } } });
    expect(ok(viaTest).data.map((i) => i.id)).toEqual(data.map((i) => i.id));

    const othersInvoice = (await invoicesOf({ partner_id: other.id })).data[0]!;
    const foreign = problem(await partner.GET('/v1/invoices/{id}', { params: { path: { id: othersInvoice.id } } }), 404);
    expect(foreign).toMatchObject({ code: 'invoice_not_found' });
    const mine = await partner.GET('/v1/invoices/{id}', { params: { path: { id: data[0]!.id } } });
    expect(mine.data).toEqual(data[0]);
  });

  it('a partner\'s upcoming invoice is its own current period, from live usage only', async () => {
    clock.set(Date.parse('2026-06-15T08:00:00Z'));
    const token = await accessToken(t, metered.live);
    await calls(await accessToken(t, metered.test), 2); // test mode: not on the invoice
    const res = ok(await api(t, token).GET('/v1/invoices/upcoming'), 200); // this call is the period's first live one: 1 free unit
    expect(res).toMatchObject({ partner_id: metered.id, period: '2026-06', period_start: '2026-06-01T00:00:00.000Z', period_end: '2026-07-01T00:00:00.000Z', status: 'draft', subtotal: 0 });
    expect(res.lines).toEqual([{ meter: 'api_calls', tier: 0, first_unit: 1, last_unit: 1, quantity: 1, unit_amount: 0, unit_amount_decimal: '0', amount: 0 }]);
  });

  it('operators see every partner\'s invoices, paginated newest first', async () => {
    const data = (await invoicesOf()).data;
    expect(data.map((i) => i.period)).toEqual(['2026-04', '2026-03', '2026-03']);
    expect(new Set(data.map((i) => i.partner_id))).toEqual(new Set([metered.id, other.id]));

    const first = await invoicesOf({ limit: 2 });
    expect(first).toMatchObject({ has_more: true });
    const rest = await invoicesOf({ limit: 2, starting_after: first.next_cursor! });
    expect([...first.data, ...rest.data].map((i) => i.id)).toEqual(data.map((i) => i.id));
    expect(rest).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('test-mode keys cannot read or finalize invoices; operators must name the partner of an upcoming invoice', async () => {
    const testKey = api(t);
    expect(problem(await testKey.GET('/v1/invoices'), 403).code).toBe('live_mode_required');
    problem(await testKey.POST('/v1/invoices/finalize', { body: {} }), 403);
    expect(problem(await operator.GET('/v1/invoices/upcoming'), 422).code).toBe('partner_required');
    const unknown = problem(await operator.GET('/v1/invoices/upcoming', { params: { query: { partner_id: 'ptr_nobody' } } }), 404);
    expect(unknown.code).toBe('partner_not_found');
  });
});
