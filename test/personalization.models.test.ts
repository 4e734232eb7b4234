import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCommand, ModelsService } from '../src/modules/personalization/index.js';
import { DEFAULT_BUILD_PARAMS } from '../src/modules/personalization/models.build.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { jobContext } from '../src/platform/http/module.js';
import type { Schema, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { tag } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { api, ok, problem } from './helpers/sdk.js';

// a fixed clock: decay and windows are measured from it
const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const DAY = 86_400_000;
const at = (days: number, hours = 0) => new Date(NOW.getTime() - days * DAY + hours * 3_600_000).toISOString();
const HALF_LIFE = 14;
const decay = (days: number) => 0.5 ** (days / HALF_LIFE);

type Model = Schema<'RecommendationModel'>;

type Sig = { type: 'view' | 'add_to_cart' | 'purchase'; product_id: string; customer_id?: string; anonymous_id?: string; occurred_at: string };

async function send(t: TestApp, signals: Sig[]): Promise<void> {
  for (let i = 0; i < signals.length; i += 500) {
    const batch = signals.slice(i, i + 500).map((s, j) => ({ id: `s${i + j}`, ...s }));
    ok(await api(t, t.keys.publishable).POST('/v1/signals', { body: { signals: batch } }), 200);
  }
}

async function refresh(t: TestApp, query: { activate?: boolean } = {}): Promise<Model> {
  return ok(await api(t).POST('/v1/recommendation_models/refresh', { params: { query } }), 201);
}

async function rows<R>(t: TestApp, sql: string, params: unknown[]): Promise<R[]> {
  return (await t.db.forEnv('test').query<R>(sql, params)).rows;
}

describe('a model built from a small planted dataset', () => {
  let t: TestApp;
  let admin: TesseraClient;
  const p: Record<'A' | 'B' | 'C' | 'P' | 'D' | 'E' | 'V1' | 'V2', string> = { A: '', B: '', C: '', P: '', D: '', E: '', V1: '', V2: '' };
  const cat = { X: '', Y: '' };
  let v1: Model;
  let v2: Model;
  const activations: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ now: () => NOW });
    admin = api(t);
    t.modules.personalization.models.onActivated((env, id) => activations.push(`${env}:${id}`));
    for (const name of ['X', 'Y'] as const) {
      cat[name] = ok(await admin.POST('/v1/categories', { body: { name: `Cat ${name} ${tag()}` } })).id;
    }
    for (const name of Object.keys(p) as (keyof typeof p)[]) {
      const category = ['A', 'B'].includes(name) ? [cat.X] : ['C', 'P'].includes(name) ? [cat.Y] : [];
      const res = await admin.POST('/v1/products', { body: { title: `Item ${name}`, status: 'published', category_ids: category, variants: [{ sku: `SKU-${tag()}`, prices: [{ currency: 'USD', amount: 1000 }] }] } });
      p[name] = ok(res, 201).id;
    }
    const buy = (who: string, product: string, days: number, hours = 0): Sig => ({ type: 'purchase', product_id: product, customer_id: who, occurred_at: at(days, hours) });
    const signals: Sig[] = [
      // u1, u2 buy A and B together; u3 buys A and C; u1–u10 all buy the popular P
      ...['u1', 'u2'].flatMap((u) => [buy(u, p.A, 10), buy(u, p.B, 10)]),
      buy('u3', p.A, 10),
      buy('u3', p.C, 10),
      ...Array.from({ length: 10 }, (_, i) => buy(`u${i + 1}`, p.P, 10)),
      // u11 buys A, and B three days later: not together
      buy('u11', p.A, 12),
      buy('u11', p.B, 9),
      // same support, different ages: D recent, E old
      buy('u12', p.D, 1),
      buy('u13', p.E, 40),
      // views: two shoppers view V1 and V2 within the hour, a third only V1
      ...['s1', 's2'].flatMap((s) => [
        { type: 'view' as const, product_id: p.V1, anonymous_id: s, occurred_at: at(1) },
        { type: 'view' as const, product_id: p.V2, anonymous_id: s, occurred_at: at(1, 1) },
      ]),
      { type: 'view', product_id: p.V1, anonymous_id: 's3', occurred_at: at(1) },
    ];
    await send(t, signals);
  });
  afterAll(() => t.close());

  const model = (id: string) => admin.GET('/v1/recommendation_models/{id}', { params: { path: { id } } });
  const activate = (id: string) => admin.POST('/v1/recommendation_models/{id}/activate', { params: { path: { id } } });

  it('scores co-occurrence by cosine over shoppers, so the popular item does not dominate, with exact supports', async () => {
    v1 = await refresh(t);
    expect(v1).toMatchObject({ version: 1, status: 'active' });
    const neighbors = await rows<{ neighbor_id: string; kind: string; score: number; support: number }>(
      t,
      'SELECT neighbor_id, kind, score, support FROM model_neighbors WHERE model_id = $1 AND product_id = $2 ORDER BY kind, score DESC',
      [v1.id, p.A],
    );
    // A: 4 buyers (u1, u2, u3, u11); B: 3; C: 1; P: 10. P co-occurs most (3) yet ranks last.
    expect(neighbors.map((n) => [n.neighbor_id, n.kind, n.support])).toEqual([
      [p.B, 'bought_together', 2],
      [p.C, 'bought_together', 1],
      [p.P, 'bought_together', 3],
    ]);
    expect(neighbors[0]!.score).toBeCloseTo(2 / Math.sqrt(4 * 3), 12);
    expect(neighbors[1]!.score).toBeCloseTo(1 / Math.sqrt(4 * 1), 12);
    expect(neighbors[2]!.score).toBeCloseTo(3 / Math.sqrt(4 * 10), 12);
    const viewed = await rows<{ product_id: string; neighbor_id: string; score: number; support: number }>(
      t,
      `SELECT product_id, neighbor_id, score, support FROM model_neighbors WHERE model_id = $1 AND kind = 'viewed_together' ORDER BY product_id`,
      [v1.id],
    );
    expect(viewed.map((v) => [v.product_id, v.neighbor_id, v.support])).toEqual([[p.V1, p.V2, 2], [p.V2, p.V1, 2]].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    expect(viewed[0]!.score).toBeCloseTo(2 / Math.sqrt(3 * 2), 12);
    // no views of A, no purchases of V1: one kind each
    expect(v1.counts).toMatchObject({ bought_together: 2 * 5, viewed_together: 2 });
  });

  it('decays popularity with age, overall and per category', async () => {
    const pop = await rows<{ product_id: string; category_id: string; score: number; support: number }>(
      t,
      'SELECT product_id, category_id, score, support FROM model_popularity WHERE model_id = $1 ORDER BY category_id, score DESC, product_id',
      [v1.id],
    );
    const overall = pop.filter((r) => r.category_id === '');
    const get = (id: string, category = '') => pop.find((r) => r.product_id === id && r.category_id === category)!;
    expect(overall[0]!.product_id).toBe(p.P);
    expect(get(p.P)).toMatchObject({ support: 10 });
    expect(get(p.P).score).toBeCloseTo(10 * 5 * decay(10), 9);
    // one purchase each: the recent one ranks above the old one
    expect(get(p.D).support).toBe(get(p.E).support);
    expect(get(p.D).score).toBeCloseTo(5 * decay(1), 9);
    expect(get(p.E).score).toBeCloseTo(5 * decay(40), 9);
    expect(overall.findIndex((r) => r.product_id === p.D)).toBeLessThan(overall.findIndex((r) => r.product_id === p.E));
    // per category: X holds A and B, Y holds P and C
    expect(pop.filter((r) => r.category_id === cat.X).map((r) => r.product_id)).toEqual([p.A, p.B]);
    expect(pop.filter((r) => r.category_id === cat.Y).map((r) => r.product_id)).toEqual([p.P, p.C]);
    expect(get(p.A, cat.X).score).toBeCloseTo(get(p.A).score, 12);
  });

  it('gives each shopper its share of decayed signals per category', async () => {
    const affinity = await rows<{ subject: string; category_id: string; score: number; support: number }>(
      t,
      'SELECT subject, category_id, score, support FROM model_affinity WHERE model_id = $1 AND subject = ANY($2::text[]) ORDER BY subject, category_id',
      [v1.id, ['c:u3', 'c:u11', 'a:s1']],
    );
    const of = (subject: string, category: string) => affinity.find((a) => a.subject === subject && a.category_id === category);
    // u3 bought A (X), C and P (Y) at the same time
    expect(of('c:u3', cat.X)!.score).toBeCloseTo(1 / 3, 12);
    expect(of('c:u3', cat.Y)!.score).toBeCloseTo(2 / 3, 12);
    expect([of('c:u3', cat.X)!.support, of('c:u3', cat.Y)!.support]).toEqual([1, 2]);
    // u11 bought only X, at different times: all of its affinity is X
    expect(of('c:u11', cat.X)).toMatchObject({ score: 1, support: 2 });
    expect(of('c:u11', cat.Y)).toBeUndefined();
    // s1 viewed products without categories: no affinity rows
    expect(of('a:s1', cat.X)).toBeUndefined();
  });

  it('versions snapshots; activation keeps exactly one active, emits an event and tells the cache; rollback is one call', async () => {
    v2 = await refresh(t);
    expect(v2).toMatchObject({ version: 2, status: 'active' });
    expect(ok(await model(v1.id))).toMatchObject({ status: 'retired' });
    const list = ok(await admin.GET('/v1/recommendation_models', { params: { query: { limit: 1 } } }));
    expect(list.data.map((m) => m.version)).toEqual([2]);
    expect(list.has_more).toBe(true);
    const next = ok(await admin.GET('/v1/recommendation_models', { params: { query: { limit: 5, starting_after: list.next_cursor! } } }));
    expect(next.data.map((m) => m.version)).toEqual([1]);

    const back = ok(await admin.POST('/v1/recommendation_models/rollback'), 200);
    expect(back).toMatchObject({ id: v1.id, status: 'active' });
    expect(ok(await model(v2.id))).toMatchObject({ status: 'retired' });
    // nothing was active before version 1
    expect(problem(await admin.POST('/v1/recommendation_models/rollback'), 409)).toMatchObject({ code: 'no_previous_recommendation_model', status: 409 });

    // the cache hook hears of an activation in this process (at once) and through the bus (every process)
    await new Promise((r) => setTimeout(r, 50));
    expect(activations).toContain(`test:${v1.id}`);
    activations.length = 0;
    expect(ok(await activate(v2.id))).toMatchObject({ id: v2.id, status: 'active' });
    await new Promise((r) => setTimeout(r, 100));
    expect(new Set(activations)).toEqual(new Set([`test:${v2.id}`]));
    problem(await activate('rmod_nope'), 404);
    const events = await eventsOf(t, ['recommendation_model.activated']);
    expect(events.map((e) => e.data.object.id)).toEqual([v1.id, v2.id, v1.id, v2.id]);

    // a model built without activation waits, ready
    const v3 = await refresh(t, { activate: false });
    expect(v3).toMatchObject({ version: 3, status: 'ready', activated_at: null });
    // concurrent activations: one wins, one model is active
    const results = await Promise.all([v1.id, v3.id, v2.id].map(activate));
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    const active = await rows<{ id: string }>(t, `SELECT id FROM recommendation_models WHERE status = 'active'`, []);
    expect(active).toHaveLength(1);
  });

  it('marks a build that fails as failed, with its error, and never activates it', async () => {
    const broken = new ModelsService({ bus: t.bus, params: DEFAULT_BUILD_PARAMS, catalog: { categoriesOf: () => Promise.reject(new Error('catalog unavailable')) } });
    const ctx = jobContext({ db: t.db, ids: ulidIds(), now: () => NOW }, 'test');
    await expect(broken.refresh(ctx)).rejects.toThrow(/catalog unavailable/);
    const [failed] = await rows<{ id: string; status: string; error: string }>(t, `SELECT id, status, error FROM recommendation_models ORDER BY version DESC LIMIT 1`, []);
    expect(failed).toMatchObject({ status: 'failed', error: 'catalog unavailable' });
    expect(problem(await activate(failed!.id), 409)).toMatchObject({ status: 409, code: 'recommendation_model_not_ready' });
  });

  it('keeps snapshots immutable: new signals make a new version, never change an old one', async () => {
    const snapshot = (id: string) => rows(t, 'SELECT product_id, neighbor_id, kind, score, support FROM model_neighbors WHERE model_id = $1 ORDER BY 1, 2, 3', [id]);
    const before = await snapshot(v1.id);
    const late = (product: string): Sig => ({ type: 'purchase', product_id: product, customer_id: 'u20', occurred_at: at(0.5) });
    const res = await admin.POST('/v1/signals', { body: { signals: [{ id: 'late0', ...late(p.A) }, { id: 'late1', ...late(p.C) }] } });
    expect(ok(res)).toMatchObject({ received: 2 });
    const v4 = await refresh(t);
    expect(await snapshot(v1.id)).toEqual(before);
    expect((await snapshot(v4.id)).length).toBeGreaterThan(0);
    await expect(t.db.forEnv('test').query('UPDATE model_neighbors SET score = 0 WHERE model_id = $1', [v1.id])).rejects.toThrow(/immutable/);
    await expect(t.db.forEnv('test').query(`UPDATE recommendation_models SET metrics = '{}' WHERE id = $1`, [v1.id])).rejects.toThrow(/immutable/);
    // the model itself is unchanged through the API too
    expect(ok(await model(v1.id))).toMatchObject({ version: 1, counts: v1.counts, metrics: v1.metrics });
  });
});

describe('offline evaluation on planted patterns', () => {
  let t: TestApp;
  let clock = NOW;

  beforeAll(async () => {
    t = await startTestApp({ now: () => clock });
    const signals: Sig[] = [];
    const buy = (who: string, product: string, days: number): Sig => ({ type: 'purchase', product_id: product, customer_id: who, occurred_at: at(days) });
    // noise: 60 shoppers buy two neighbouring popular items P0–P4; 20 of them buy a third later
    for (let j = 0; j < 60; j++) {
      signals.push(buy(`r${j}`, `P${j % 5}`, 30 - (j % 20)), buy(`r${j}`, `P${(j + 1) % 5}`, 30 - (j % 20)));
      if (j < 20) signals.push(buy(`r${j}`, `P${(j + 2) % 5}`, 1));
    }
    // the pattern: buyers of A_i also buy B_i. Five shoppers per pair bought both; three bought A_i and then, held out, B_i
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k < 5; k++) signals.push(buy(`c${i}_${k}`, `A${i}`, 20), buy(`c${i}_${k}`, `B${i}`, 20));
      for (let k = 0; k < 3; k++) signals.push(buy(`h${i}_${k}`, `A${i}`, 15), buy(`h${i}_${k}`, `B${i}`, 2));
    }
    await send(t, signals);
  });
  afterAll(() => t.close());

  it('the model beats popularity alone on precision@10 and recall@10 over a time-based hold-out', async () => {
    const model = await refresh(t);
    const m = model.metrics!;
    expect(m.cutoff).not.toBeNull();
    // held out: the 30 pattern shoppers (B_i) and the 20 noise shoppers (their third item)
    expect(m).toMatchObject({ holdout_subjects: 50, holdout_purchases: 50 });
    expect(m.precision_at_10).toBeGreaterThan(m.popularity_precision_at_10);
    expect(m.recall_at_10).toBeGreaterThan(m.popularity_recall_at_10);
    // every held-out purchase is found by the model; popularity finds only the noise shoppers'
    expect(m.recall_at_10).toBe(1);
    expect(m.popularity_recall_at_10).toBeCloseTo(20 / 50, 6);
  });

  it('`tessera recommendations evaluate` prints the metrics of the newest model, building one when asked', async () => {
    const lines: string[] = [];
    const ctx = jobContext({ db: t.db, ids: ulidIds(), now: () => NOW }, 'test');
    const latest = await evaluateCommand(ctx, t.modules.personalization.models, {}, (l) => lines.push(l));
    expect(latest.version).toBe(1);
    expect(lines.join('\n')).toMatch(/model\s+10\.00 %\s+100\.00 %/);
    expect(lines.join('\n')).toMatch(/popularity\s+4\.00 %\s+40\.00 %/);
    const built = await evaluateCommand(ctx, t.modules.personalization.models, { build: true }, () => undefined);
    expect(built).toMatchObject({ version: 2, status: 'ready' });
  });

  it('the scheduled refresh builds only when signals arrived since the last build', async () => {
    const models = t.modules.personalization.models;
    const ctx = jobContext({ db: t.db, ids: ulidIds(), now: () => clock }, 'test');
    clock = new Date(NOW.getTime() + 60_000);
    expect(await models.refreshIfNew(ctx)).toBeUndefined();
    const res = await api(t).POST('/v1/signals', { body: { signals: [{ id: 'late-view', type: 'view', product_id: 'A1', customer_id: 'late', occurred_at: at(0.1) }] } });
    expect(ok(res)).toMatchObject({ received: 1 });
    expect(await models.refreshIfNew(ctx)).toMatchObject({ version: 3, status: 'active' });
  });
});
