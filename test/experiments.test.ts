import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyHeader, type operations, type Schema, type TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
});
afterAll(() => t.close());

type Experiment = Schema<'Experiment'>;
type NewExperiment = Omit<operations['postV1Experiments']['requestBody']['content']['application/json'], 'variants'> & { variants?: Experiment['variants'] };

const AB: Experiment['variants'] = [
  { key: 'control', weight: 50, strategy: 'popularity' },
  { key: 'treatment', weight: 50, strategy: 'cooccurrence' },
];

async function createExperiment(body: NewExperiment): Promise<Experiment> {
  return ok(await admin.POST('/v1/experiments', { body: { variants: AB, ...body } }), 201);
}

const byId = (id: string) => ({ params: { path: { id } } });
const update = (id: string, body: { status?: Experiment['status']; variants?: Experiment['variants'] }) => admin.PATCH('/v1/experiments/{id}', { ...byId(id), body });
const recommendations = (slot: Experiment['slot'], anonymousId: string) => shop.GET('/v1/recommendations', { params: { query: { slot, anonymous_id: anonymousId } } });

const db = () => t.db.forEnv('test');
const exposuresOf = async (id: string) => (await db().query<{ subject: string; variant: string; first_exposed_at: Date }>('SELECT subject, variant, first_exposed_at FROM experiment_exposures WHERE experiment_id = $1 ORDER BY subject', [id])).rows;

describe('experiments CRUD', () => {
  it('creates a draft, starts and stops it, with experiment.* events; one running experiment per slot', async () => {
    const e = await createExperiment({ key: 'crud-exp', name: 'Recs v2', slot: 'checkout' });
    expect(e).toMatchObject({ object: 'experiment', key: 'crud-exp', slot: 'checkout', status: 'draft', variants: AB, started_at: null, stopped_at: null });
    expect(e.id).toMatch(/^exp_/);
    expect(ok(await admin.GET('/v1/experiments/{id}', byId(e.id)))).toEqual(e);
    expect(ok(await admin.GET('/v1/experiments', { params: { query: { status: 'draft', slot: 'checkout' } } })).data.map((x) => x.id)).toContain(e.id);

    const started = ok(await update(e.id, { status: 'running' }), 200);
    expect(started.started_at).not.toBeNull();
    // a second running experiment on the slot is refused, at creation and at start
    const clash = await admin.POST('/v1/experiments', { body: { key: 'crud-exp-2', slot: 'checkout', status: 'running', variants: AB } });
    expect(problem(clash, 409)).toMatchObject({ status: 409, code: 'experiment_slot_taken' });
    const other = await createExperiment({ key: 'crud-exp-3', slot: 'checkout' });
    expect(problem(await update(other.id, { status: 'running' }), 409)).toMatchObject({ status: 409, code: 'experiment_slot_taken' });
    // variants are frozen once running; it cannot be deleted while running
    expect(problem(await update(e.id, { variants: AB }), 422)).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect(problem(await admin.DELETE('/v1/experiments/{id}', byId(e.id)), 409)).toMatchObject({ status: 409, code: 'experiment_running' });

    expect(ok(await update(e.id, { status: 'stopped' }))).toMatchObject({ status: 'stopped' });
    expect(problem(await update(e.id, { status: 'running' }), 422)).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect(ok(await admin.DELETE('/v1/experiments/{id}', byId(e.id)))).toEqual({ id: e.id, object: 'experiment', deleted: true });
    expect(problem(await admin.GET('/v1/experiments/{id}', byId(e.id)), 404)).toMatchObject({ status: 404, code: 'experiment_not_found' });
    ok(await admin.DELETE('/v1/experiments/{id}', byId(other.id)));

    const types = (await eventsOf(t, ['experiment.*'], e.id)).map((x) => x.type);
    expect(types).toEqual(['experiment.created', 'experiment.updated', 'experiment.updated', 'experiment.deleted']);
  });

  it('answers validation problems', async () => {
    const bad = async (body: Partial<NewExperiment>) => (await admin.POST('/v1/experiments', { body: { key: 'bad-exp', slot: 'home', variants: AB, ...body } })).error;
    // invalid on purpose: a strategy and a slot the types do not allow
    const untyped = async (body: Record<string, unknown>) => (await t.call('POST', '/v1/experiments', { body: { key: 'bad-exp', slot: 'home', variants: AB, ...body } })).json<{ status: number; code: string }>();
    expect(await bad({ variants: [{ key: 'a', weight: 0, strategy: 'popularity' }, { key: 'b', weight: 0, strategy: 'cooccurrence' }] })).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect(await bad({ variants: [{ key: 'a', weight: 1, strategy: 'popularity' }, { key: 'a', weight: 1, strategy: 'cooccurrence' }] })).toMatchObject({ status: 422, code: 'invalid_experiment' });
    expect(await untyped({ variants: [{ key: 'a', weight: 1, strategy: 'magic' }, { key: 'b', weight: 1, strategy: 'popularity' }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await bad({ variants: [{ key: 'a', weight: 1, strategy: 'popularity' }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await untyped({ slot: 'footer' })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await bad({ variants: [{ key: 'a', weight: -1, strategy: 'popularity' }, { key: 'b', weight: 1, strategy: 'popularity' }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    await createExperiment({ key: 'dup-exp', slot: 'home' });
    expect(await bad({ key: 'dup-exp' })).toMatchObject({ status: 409, code: 'experiment_key_taken' });
    problem(await shop.GET('/v1/experiments'), 403);
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
    ok(await update(e.id, { status: 'stopped' }));
    expect(await svc.experimentFor(ctx, 'product_page', 'anon_1')).toBeNull();
  });

  it('serving recommendations uses the variant strategy and logs one exposure per subject, the first', async () => {
    // every subject gets the popularity control (treatment weight 0): home would otherwise try affinity
    const e = await createExperiment({ key: 'home-exp', slot: 'home', status: 'running', variants: [{ key: 'control', weight: 1, strategy: 'popularity' }, { key: 'treatment', weight: 0, strategy: 'affinity' }] });
    const first = ok(await recommendations('home', 'anon_home_1'), 200);
    expect(first).toMatchObject({ experiment: { key: 'home-exp', variant: 'control' }, strategy: 'popularity' });
    await t.modules.experiments.exposures.flush();
    const [row] = await exposuresOf(e.id);
    expect(row).toMatchObject({ subject: 'anon_home_1', variant: 'control' });

    ok(await recommendations('home', 'anon_home_1'));
    ok(await recommendations('home', 'anon_home_2'));
    await t.modules.experiments.exposures.flush();
    const rows = await exposuresOf(e.id);
    expect(rows.map((r) => r.subject)).toEqual(['anon_home_1', 'anon_home_2']);
    expect(rows[0]!.first_exposed_at.getTime()).toBe(row!.first_exposed_at.getTime());
    // the same subject twice in one batch: still one row
    ok(await recommendations('home', 'anon_home_3'));
    ok(await recommendations('home', 'anon_home_3'));
    await t.modules.experiments.exposures.flush();
    expect((await exposuresOf(e.id)).map((r) => r.subject)).toEqual(['anon_home_1', 'anon_home_2', 'anon_home_3']);
    // no running experiment on the slot: no experiment in the answer
    expect(ok(await recommendations('product_page', 'anon_home_1'))).toMatchObject({ experiment: null });
    ok(await update(e.id, { status: 'stopped' }));
  });
});

describe('attribution', () => {
  it("puts an exposed shopper's assignments into the order events' context.experiments, and counts the order as a conversion", async () => {
    const e = await createExperiment({ key: 'cart-exp', slot: 'cart', status: 'running' });
    const country = freshCountry();
    const store = await createStore(t, { country, prices: [2500] });

    // an anonymous shopper: exposed through recommendations, its cart carries metadata.anonymous_id
    const served = ok(await recommendations('cart', 'anon_buyer'));
    expect(served.experiment?.key).toBe('cart-exp');
    const exposed = served.experiment!;
    const anonCart = await readyCart(t, store, { country });
    ok(await shop.PATCH('/v1/carts/{id}', { ...byId(anonCart), body: { metadata: { anonymous_id: 'anon_buyer' } } }), 200);
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
    ok(await admin.PATCH('/v1/carts/{id}', { ...byId(customerCart), body: { customer_id: 'cus_buyer' } }), 200);
    // never exposed: no experiments in its context
    const plainCart = await readyCart(t, store, { country });

    const orders: Record<string, Schema<'Order'>> = {};
    for (const [name, cart] of [['anon', anonCart], ['customer', customerCart], ['plain', plainCart]] as const) orders[name] = ok(await checkout(shop, cart), 201);
    const contextOf = async (orderId: string) => (await eventsOf(t, ['order.created'], orderId))[0]!.context.experiments;
    expect(await contextOf(orders.anon!.id)).toEqual({ 'cart-exp': exposed.variant });
    expect(await contextOf(orders.customer!.id)).toEqual({ 'cart-exp': assigned!.variant });
    expect(await contextOf(orders.plain!.id)).toBeUndefined();
    // kept on the order: its later events carry them too (here a refund days after checkout)
    const order = ok(await admin.GET('/v1/orders/{id}', byId(orders.anon!.id)));
    expect(order.experiments).toEqual({ 'cart-exp': exposed.variant });
    ok(await admin.POST('/v1/orders/{id}/refunds', { ...byId(orders.anon!.id), body: { amount: 100 }, headers: idempotencyHeader(`exp-refund-${orders.anon!.id}`) }), 201);
    const later = (await eventsOf(t, ['order.updated', 'order.refunded'], orders.anon!.id)).at(-1);
    expect(later?.context.experiments).toEqual({ 'cart-exp': exposed.variant });

    await t.modules.dispatcher.drain();
    const results = ok(await admin.GET('/v1/experiments/{id}/results', byId(e.id)));
    expect(results.currency).toBe('USD');
    const total = (v: string) => results.variants.find((r) => r.variant === v)!;
    const revenue = (v: string) => (exposed.variant === v ? orders.anon!.totals.total : 0) + (assigned!.variant === v ? orders.customer!.totals.total : 0);
    // three exposed (anon_pending never ordered), two converted, each in its own variant's revenue
    expect(results.variants.reduce((n, r) => n + r.exposures, 0)).toBe(3);
    expect(results.variants.reduce((n, r) => n + r.conversions, 0)).toBe(2);
    for (const v of ['control', 'treatment']) {
      expect(total(v).revenue).toBe(revenue(v));
      expect(total(v).conversions).toBe((exposed.variant === v ? 1 : 0) + (assigned!.variant === v ? 1 : 0));
    }
    ok(await update(e.id, { status: 'stopped' }));
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

    const body = ok(await admin.GET('/v1/experiments/{id}/results', byId(e.id)), 200);
    expect(body.currency).toBe('USD');
    const [control, treatment] = body.variants;
    // control: 4 exposed, 1 converted (c1: 2 orders, 3000) → 25 %, AOV 1500, 750 per exposure
    expect(control).toMatchObject({ variant: 'control', exposures: 4, conversions: 1, conversion_rate: 0.25, orders: 2, revenue: 3000, average_order_value: 1500, revenue_per_exposure: 750, p_value: null });
    // treatment: 5 exposed, 4 converted → 80 %; USD: 3 orders, 4500 → AOV 1500, 900 per exposure
    expect(treatment).toMatchObject({ variant: 'treatment', exposures: 5, conversions: 4, conversion_rate: 0.8, orders: 3, revenue: 4500, average_order_value: 1500, revenue_per_exposure: 900 });
    // pooled 5/9, se = sqrt(5/9 · 4/9 · (1/4 + 1/5)) = 1/3, z = 0.55 / (1/3) = 1.65, p = 2(1 − Φ(1.65)) = 0.098943
    expect(treatment!.p_value).toBeCloseTo(0.098943, 4);

    const eur = ok(await admin.GET('/v1/experiments/{id}/results', { params: { path: { id: e.id }, query: { currency: 'EUR' } } }));
    expect(eur.currency).toBe('EUR');
    expect(eur.variants[0]).toMatchObject({ conversions: 1, orders: 0, revenue: 0, average_order_value: null, revenue_per_exposure: 0 });
    expect(eur.variants[1]).toMatchObject({ conversions: 4, orders: 1, revenue: 800, average_order_value: 800, revenue_per_exposure: 160 });
  });
});
