import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { checkout, createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Experiment {
  id: string;
  key: string;
  slot: string;
  status: string;
  variants: { key: string; weight: number; strategy: string }[];
  started_at: string | null;
  stopped_at: string | null;
}
interface VariantResult {
  variant: string;
  exposures: number;
  conversions: number;
  conversion_rate: number;
  orders: number;
  revenue: number;
  average_order_value: number | null;
  revenue_per_exposure: number;
  p_value: number | null;
}

const AB = [
  { key: 'control', weight: 50, strategy: 'popularity' },
  { key: 'treatment', weight: 50, strategy: 'cooccurrence' },
];

async function createExperiment(body: Record<string, unknown>): Promise<Experiment> {
  const res = await t.call('POST', '/v1/experiments', { body: { variants: AB, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Experiment>();
}

const db = () => t.db.forEnv('test');
const exposuresOf = async (id: string) => (await db().query<{ subject: string; variant: string; first_exposed_at: Date }>('SELECT subject, variant, first_exposed_at FROM experiment_exposures WHERE experiment_id = $1 ORDER BY subject', [id])).rows;

describe('experiments CRUD', () => {
  it('creates a draft, starts and stops it, with experiment.* events; one running experiment per slot', async () => {
    const e = await createExperiment({ key: 'crud-exp', name: 'Recs v2', slot: 'checkout' });
    expect(e).toMatchObject({ object: 'experiment', key: 'crud-exp', slot: 'checkout', status: 'draft', variants: AB, started_at: null, stopped_at: null });
    expect(e.id).toMatch(/^exp_/);
    expect((await t.call('GET', `/v1/experiments/${e.id}`)).json()).toEqual(e);
    expect((await t.call('GET', '/v1/experiments?status=draft&slot=checkout')).json<{ data: { id: string }[] }>().data.map((x) => x.id)).toContain(e.id);

    const started = await t.call('PATCH', `/v1/experiments/${e.id}`, { body: { status: 'running' } });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json<Experiment>().started_at).not.toBeNull();
    // a second running experiment on the slot is refused, at creation and at start
    const clash = await t.call('POST', '/v1/experiments', { body: { key: 'crud-exp-2', slot: 'checkout', status: 'running', variants: AB } });
    expect(clash.json()).toMatchObject({ status: 409, code: 'experiment_slot_taken' });
    const other = await createExperiment({ key: 'crud-exp-3', slot: 'checkout' });
    expect((await t.call('PATCH', `/v1/experiments/${other.id}`, { body: { status: 'running' } })).json()).toMatchObject({ status: 409, code: 'experiment_slot_taken' });
    // variants are frozen once running; it cannot be deleted while running
    expect((await t.call('PATCH', `/v1/experiments/${e.id}`, { body: { variants: AB } })).json()).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect((await t.call('DELETE', `/v1/experiments/${e.id}`)).json()).toMatchObject({ status: 409, code: 'experiment_running' });

    const stopped = await t.call('PATCH', `/v1/experiments/${e.id}`, { body: { status: 'stopped' } });
    expect(stopped.json<Experiment>()).toMatchObject({ status: 'stopped' });
    expect((await t.call('PATCH', `/v1/experiments/${e.id}`, { body: { status: 'running' } })).json()).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect((await t.call('DELETE', `/v1/experiments/${e.id}`)).json()).toEqual({ id: e.id, object: 'experiment', deleted: true });
    expect((await t.call('GET', `/v1/experiments/${e.id}`)).json()).toMatchObject({ status: 404, code: 'experiment_not_found' });
    await t.call('DELETE', `/v1/experiments/${other.id}`);

    const types = (await eventsOf(t, ['experiment.*'], e.id)).map((x) => x.type);
    expect(types).toEqual(['experiment.created', 'experiment.updated', 'experiment.updated', 'experiment.deleted']);
  });

  it('answers validation problems', async () => {
    const bad = async (body: Record<string, unknown>) => (await t.call('POST', '/v1/experiments', { body: { key: 'bad-exp', slot: 'home', variants: AB, ...body } })).json<{ status: number; code: string }>();
    expect(await bad({ variants: [{ key: 'a', weight: 0, strategy: 'popularity' }, { key: 'b', weight: 0, strategy: 'cooccurrence' }] })).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect(await bad({ variants: [{ key: 'a', weight: 1, strategy: 'popularity' }, { key: 'a', weight: 1, strategy: 'cooccurrence' }] })).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect(await bad({ variants: [{ key: 'a', weight: 1, strategy: 'magic' }, { key: 'b', weight: 1, strategy: 'popularity' }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await bad({ variants: [{ key: 'a', weight: 1, strategy: 'popularity' }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await bad({ slot: 'footer' })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await bad({ variants: [{ key: 'a', weight: -1, strategy: 'popularity' }, { key: 'b', weight: 1, strategy: 'popularity' }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    await createExperiment({ key: 'dup-exp', slot: 'home' });
    expect(await bad({ key: 'dup-exp' })).toMatchObject({ status: 409, code: 'experiment_key_taken' });
    expect((await t.call('GET', '/v1/experiments', { key: t.keys.publishable })).statusCode).toBe(403);
  });
});

describe('assignment and exposures', () => {
  it('buckets subjects deterministically by the weights', async () => {
    const e = await createExperiment({ key: 'bucket-exp', slot: 'product_page', status: 'running', variants: [{ key: 'control', weight: 3, strategy: 'popularity' }, { key: 'treatment', weight: 1, strategy: 'cooccurrence' }] });
    const svc = t.modules.experiments.experiments;
    const ctx = { env: 'test' as const, db: db() };
    const counts: Record<string, number> = { control: 0, treatment: 0 };
    for (let i = 0; i < 4000; i++) {
      const a = await svc.experimentFor(ctx, 'product_page', `anon_${i}`);
      counts[a!.variant]! += 1;
      if (i % 500 === 0) expect(await svc.experimentFor(ctx, 'product_page', `anon_${i}`)).toEqual(a);
    }
    // 3:1 → 75 %; binomial sd at n=4000 is 0.7 points
    expect(Math.abs(counts.control! / 4000 - 0.75)).toBeLessThan(0.025);
    expect(await svc.experimentFor(ctx, 'home', 'anon_1')).toBeNull();
    await t.call('PATCH', `/v1/experiments/${e.id}`, { body: { status: 'stopped' } });
    expect(await svc.experimentFor(ctx, 'product_page', 'anon_1')).toBeNull();
  });

  it('serving recommendations uses the variant strategy and logs one exposure per subject, the first', async () => {
    // every subject gets the popularity control (treatment weight 0): home would otherwise try affinity
    const e = await createExperiment({ key: 'home-exp', slot: 'home', status: 'running', variants: [{ key: 'control', weight: 1, strategy: 'popularity' }, { key: 'treatment', weight: 0, strategy: 'affinity' }] });
    const first = await t.call('GET', '/v1/recommendations?slot=home&anonymous_id=anon_home_1', { key: t.keys.publishable });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ experiment: { key: 'home-exp', variant: 'control' }, strategy: 'popularity' });
    await t.modules.experiments.exposures.flush();
    const [row] = await exposuresOf(e.id);
    expect(row).toMatchObject({ subject: 'anon_home_1', variant: 'control' });

    await t.call('GET', '/v1/recommendations?slot=home&anonymous_id=anon_home_1', { key: t.keys.publishable });
    await t.call('GET', '/v1/recommendations?slot=home&anonymous_id=anon_home_2', { key: t.keys.publishable });
    await t.modules.experiments.exposures.flush();
    const rows = await exposuresOf(e.id);
    expect(rows.map((r) => r.subject)).toEqual(['anon_home_1', 'anon_home_2']);
    expect(rows[0]!.first_exposed_at.getTime()).toBe(row!.first_exposed_at.getTime());
    // the same subject twice in one batch: still one row
    await t.call('GET', '/v1/recommendations?slot=home&anonymous_id=anon_home_3', { key: t.keys.publishable });
    await t.call('GET', '/v1/recommendations?slot=home&anonymous_id=anon_home_3', { key: t.keys.publishable });
    await t.modules.experiments.exposures.flush();
    expect((await exposuresOf(e.id)).map((r) => r.subject)).toEqual(['anon_home_1', 'anon_home_2', 'anon_home_3']);
    // no running experiment on the slot: no experiment in the answer
    expect((await t.call('GET', '/v1/recommendations?slot=product_page&anonymous_id=anon_home_1', { key: t.keys.publishable })).json()).toMatchObject({ experiment: null });
    await t.call('PATCH', `/v1/experiments/${e.id}`, { body: { status: 'stopped' } });
  });
});

describe('attribution', () => {
  it("puts an exposed shopper's assignments into the order events' context.experiments, and counts the order as a conversion", async () => {
    const e = await createExperiment({ key: 'cart-exp', slot: 'cart', status: 'running' });
    const country = freshCountry();
    const store = await createStore(t, { country, prices: [2500] });

    // an anonymous shopper: exposed through recommendations, its cart carries metadata.anonymous_id
    const served = (await t.call('GET', '/v1/recommendations?slot=cart&anonymous_id=anon_buyer', { key: t.keys.publishable })).json<{ experiment: { key: string; variant: string } }>();
    expect(served.experiment.key).toBe('cart-exp');
    const anonCart = await readyCart(t, store, { country });
    expect((await t.call('PATCH', `/v1/carts/${anonCart}`, { key: t.keys.publishable, body: { metadata: { anonymous_id: 'anon_buyer' } } })).statusCode).toBe(200);
    // a customer: exposed through the service port, cart with customer_id (secret key)
    const assigned = await t.modules.experiments.experiments.experimentFor({ env: 'test', db: db() }, 'cart', 'cus_buyer');
    await t.modules.experiments.experiments.expose({ env: 'test', db: db(), now: () => new Date() }, assigned!, 'cus_buyer');
    await t.modules.experiments.exposures.flush();
    // an exposure still queued (not yet written) counts too
    const svc = t.modules.experiments.experiments;
    const pending = await svc.experimentFor({ env: 'test', db: db() }, 'cart', 'anon_pending');
    await svc.expose({ env: 'test', db: db(), now: () => new Date() }, pending!, 'anon_pending');
    expect(await db().transaction((tx) => svc.assignments('test', tx, 'anon_pending'))).toEqual({ 'cart-exp': pending!.variant });
    await t.modules.experiments.exposures.flush();
    const customerCart = await readyCart(t, store, { country, key: t.keys.secret });
    expect((await t.call('PATCH', `/v1/carts/${customerCart}`, { body: { customer_id: 'cus_buyer' } })).statusCode).toBe(200);
    // never exposed: no experiments in its context
    const plainCart = await readyCart(t, store, { country });

    const orders: Record<string, { id: string; totals: { total: number } }> = {};
    for (const [name, cart] of [['anon', anonCart], ['customer', customerCart], ['plain', plainCart]] as const) {
      const res = await checkout(t, cart);
      expect(res.statusCode, res.body).toBe(201);
      orders[name] = res.json<{ id: string; totals: { total: number } }>();
    }
    const contextOf = async (orderId: string) => (await eventsOf(t, ['order.created'], orderId))[0]!.context.experiments;
    expect(await contextOf(orders.anon!.id)).toEqual({ 'cart-exp': served.experiment.variant });
    expect(await contextOf(orders.customer!.id)).toEqual({ 'cart-exp': assigned!.variant });
    expect(await contextOf(orders.plain!.id)).toBeUndefined();
    // kept on the order: its later events carry them too (here a refund days after checkout)
    const order = await t.call('GET', `/v1/orders/${orders.anon!.id}`);
    expect(order.json<{ experiments: Record<string, string> }>().experiments).toEqual({ 'cart-exp': served.experiment.variant });
    const refund = await t.call('POST', `/v1/orders/${orders.anon!.id}/refunds`, { body: { amount: 100 }, headers: { 'idempotency-key': `exp-refund-${orders.anon!.id}` } });
    expect(refund.statusCode, refund.body).toBe(201);
    const later = (await eventsOf(t, ['order.updated', 'order.refunded'], orders.anon!.id)).at(-1);
    expect(later?.context.experiments).toEqual({ 'cart-exp': served.experiment.variant });

    await t.modules.dispatcher.drain();
    const results = (await t.call('GET', `/v1/experiments/${e.id}/results`)).json<{ currency: string; variants: VariantResult[] }>();
    expect(results.currency).toBe('USD');
    const total = (v: string) => results.variants.find((r) => r.variant === v)!;
    const revenue = (v: string) => (served.experiment.variant === v ? orders.anon!.totals.total : 0) + (assigned!.variant === v ? orders.customer!.totals.total : 0);
    // three exposed (anon_pending never ordered), two converted, each in its own variant's revenue
    expect(results.variants.reduce((n, r) => n + r.exposures, 0)).toBe(3);
    expect(results.variants.reduce((n, r) => n + r.conversions, 0)).toBe(2);
    for (const v of ['control', 'treatment']) {
      expect(total(v).revenue).toBe(revenue(v));
      expect(total(v).conversions).toBe((served.experiment.variant === v ? 1 : 0) + (assigned!.variant === v ? 1 : 0));
    }
    await t.call('PATCH', `/v1/experiments/${e.id}`, { body: { status: 'stopped' } });
  });
});

describe('results', () => {
  it('matches hand-computed numbers on planted exposures and conversions', async () => {
    const e = await createExperiment({ key: 'planted-exp', slot: 'home' });
    const at = new Date('2026-01-10T00:00:00Z');
    const before = new Date('2026-01-09T00:00:00Z');
    const after = new Date('2026-01-11T00:00:00Z');
    const expose = (subject: string, variant: string) => db().query('INSERT INTO experiment_exposures VALUES ($1, $2, $3, $4)', [e.id, subject, variant, at]);
    const convert = (subject: string, order: string, amount: number, currency: string, when: Date) =>
      db().query('INSERT INTO experiment_conversions (experiment_id, order_id, subject, amount, currency, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [e.id, order, subject, amount, currency, when]);
    for (const s of ['c1', 'c2', 'c3', 'c4']) await expose(s, 'control');
    for (const s of ['t1', 't2', 't3', 't4', 't5']) await expose(s, 'treatment');
    await convert('c1', 'o1', 1000, 'USD', after);
    await convert('c1', 'o2', 2000, 'USD', after);
    await convert('c2', 'o3', 9999, 'USD', before); // before its first exposure: not a conversion
    await convert('t1', 'o4', 1500, 'USD', after);
    await convert('t2', 'o5', 1500, 'USD', after);
    await convert('t3', 'o6', 1500, 'USD', after);
    await convert('t4', 'o7', 800, 'EUR', after); // converts, but not in USD revenue
    await convert('x1', 'o8', 5000, 'USD', after); // never exposed

    const res = await t.call('GET', `/v1/experiments/${e.id}/results`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ currency: string; variants: VariantResult[] }>();
    expect(body.currency).toBe('USD');
    const [control, treatment] = body.variants;
    // control: 4 exposed, 1 converted (c1: 2 orders, 3000) → 25 %, AOV 1500, 750 per exposure
    expect(control).toMatchObject({ variant: 'control', exposures: 4, conversions: 1, conversion_rate: 0.25, orders: 2, revenue: 3000, average_order_value: 1500, revenue_per_exposure: 750, p_value: null });
    // treatment: 5 exposed, 4 converted → 80 %; USD: 3 orders, 4500 → AOV 1500, 900 per exposure
    expect(treatment).toMatchObject({ variant: 'treatment', exposures: 5, conversions: 4, conversion_rate: 0.8, orders: 3, revenue: 4500, average_order_value: 1500, revenue_per_exposure: 900 });
    // pooled 5/9, se = sqrt(5/9 · 4/9 · (1/4 + 1/5)) = 1/3, z = 0.55 / (1/3) = 1.65, p = 2(1 − Φ(1.65)) = 0.098943
    expect(treatment!.p_value).toBeCloseTo(0.098943, 4);

    const eur = (await t.call('GET', `/v1/experiments/${e.id}/results?currency=EUR`)).json<{ currency: string; variants: VariantResult[] }>();
    expect(eur.currency).toBe('EUR');
    expect(eur.variants[0]).toMatchObject({ conversions: 1, orders: 0, revenue: 0, average_order_value: null, revenue_per_exposure: 0 });
    expect(eur.variants[1]).toMatchObject({ conversions: 4, orders: 1, revenue: 800, average_order_value: 800, revenue_per_exposure: 160 });
  });
});
