import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { operations, Schema, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { freshCountry, tag } from './helpers/commerce.js';
import { api, ok, problem } from './helpers/sdk.js';

// GET /v1/recommendations end to end. Model snapshots are inserted with SQL (as the model builder
// would write them) so each test plants exact neighbours, popularity and affinity, and then
// activated through the real activation route, which is what invalidates the caches.
let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
let locationId: string;
let regionId: string;
let version = 1000;

interface Made {
  id: string;
  sku: string;
}
type Answer = Schema<'Recommendations'>;
type Query = operations['getV1Recommendations']['parameters']['query'];

beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
  locationId = ok(await admin.POST('/v1/stock_locations', { body: { name: `Warehouse ${tag()}` } })).id;
  const region = await admin.POST('/v1/regions', { body: { name: `Region ${tag()}`, currency: 'USD', countries: [freshCountry()], tax_rate: 0, tax_inclusive: false, capture_method: 'automatic' } });
  regionId = ok(region, 201).id;
});
afterAll(() => t.close());

async function category(): Promise<string> {
  return ok(await admin.POST('/v1/categories', { body: { name: `Category ${tag()}` } }), 201).id;
}

/** A product with one variant per entry of `stock` (units on hand, or 'untracked'). */
async function product(opts: { status?: 'draft' | 'published' | 'archived'; stock?: (number | 'untracked')[]; categories?: string[] } = {}): Promise<Made & { skus: string[] }> {
  const id = tag();
  const stock = opts.stock ?? [10];
  const variants = stock.map((_, i) => ({ sku: `REC-${id}-${i}`, title: `V${i}`, prices: [{ currency: 'USD', amount: 1000 }] }));
  const created = ok(await admin.POST('/v1/products', { body: { title: `Item ${id}`, status: opts.status ?? 'published', category_ids: opts.categories ?? [], variants } }), 201);
  for (const [i, units] of stock.entries()) {
    const sku = variants[i]!.sku;
    if (units === 'untracked') ok(await admin.PATCH('/v1/inventory_items/{sku}', { params: { path: { sku } }, body: { tracked: false } }), 200);
    else ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: locationId, sku } }, body: { on_hand: units } }), 200);
  }
  return { id: created.id, sku: variants[0]!.sku, skus: variants.map((v) => v.sku) };
}

type Neighbor = [product: string, neighbor: string, kind: 'bought_together' | 'viewed_together', score: number, support: number];
type Popular = [product: string, category: string, score: number, support: number];
type Affinity = [subject: string, category: string, score: number, support: number];

/** Writes a built snapshot (status `ready`) with exactly these rows, then activates it through the API. */
async function installModel(rows: { neighbors?: Neighbor[]; popularity?: Popular[]; affinity?: Affinity[] }): Promise<{ id: string; version: number }> {
  const db = t.db.forEnv('test');
  const id = `rmod_${crypto.randomUUID().replaceAll('-', '')}`;
  const v = ++version;
  const params = { as_of: new Date().toISOString(), half_life_days: 14, bought_window_hours: 24, viewed_window_hours: 24, weights: { view: 1, add_to_cart: 3, purchase: 5 }, neighbors_per_product: 50, lookback_days: 90, holdout_fraction: 0.2 };
  await db.query(`INSERT INTO recommendation_models (id, version, status, created_at, built_at, params) VALUES ($1, $2, 'ready', now(), now(), $3)`, [id, v, params]);
  for (const [p, n, kind, score, support] of rows.neighbors ?? []) {
    await db.query('INSERT INTO model_neighbors (model_id, product_id, neighbor_id, kind, score, support) VALUES ($1, $2, $3, $4, $5, $6)', [id, p, n, kind, score, support]);
  }
  for (const [p, c, score, support] of rows.popularity ?? []) {
    await db.query('INSERT INTO model_popularity (model_id, product_id, category_id, score, support) VALUES ($1, $2, $3, $4, $5)', [id, p, c, score, support]);
  }
  for (const [s, c, score, support] of rows.affinity ?? []) {
    await db.query('INSERT INTO model_affinity (model_id, subject, category_id, score, support) VALUES ($1, $2, $3, $4, $5)', [id, s, c, score, support]);
  }
  ok(await admin.POST('/v1/recommendation_models/{id}/activate', { params: { path: { id } } }), 200);
  // The activation drops caches right after its COMMIT, on the next turn of the event loop: over
  // HTTP any next request arrives after that; an in-process inject could overtake it.
  await new Promise((resolve) => setImmediate(resolve));
  return { id, version: v };
}

async function recommend(query: Query, client = shop): Promise<Answer> {
  return ok(await client.GET('/v1/recommendations', { params: { query } }), 200);
}

const ids = (a: Answer) => a.data.map((r) => r.product_id);

describe('GET /v1/recommendations', () => {
  it('ranks a product page by co-occurrence score, with rationale and support-based confidence', async () => {
    const [a, b, c, d] = [await product(), await product(), await product(), await product()];
    const model = await installModel({
      neighbors: [
        [a.id, b.id, 'bought_together', 0.9, 12],
        [a.id, b.id, 'viewed_together', 0.2, 4],
        [a.id, c.id, 'bought_together', 0.5, 3],
        [a.id, d.id, 'viewed_together', 0.8, 20],
      ],
    });
    const answer = await recommend({ slot: 'product_page', product_id: a.id });
    expect(answer).toMatchObject({ model_version: model.version, strategy: 'cooccurrence', experiment: null });
    // b: 0.9 + 0.5 × 0.2 = 1.0; c: 0.5; d: 0.5 × 0.8 = 0.4 (viewed together weighs half)
    expect(answer.data.map((r) => [r.product_id, r.score])).toEqual([[b.id, 1], [c.id, 0.5], [d.id, 0.4]]);
    const [rb, rc, rd] = answer.data;
    expect(rb).toMatchObject({ sku: b.sku, confidence: 0.959 }); // 1 − exp(−16/5)
    expect(rb!.rationale).toEqual([
      { kind: 'bought_together_with', detail: { product_id: a.id, count: 12 } },
      { kind: 'viewed_together_with', detail: { product_id: a.id, count: 4 } },
    ]);
    expect(rc!.confidence).toBe(0.451); // 1 − exp(−3/5): little support, low confidence
    expect(rd!.confidence).toBe(0.982);
    expect(rd!.rationale).toEqual([{ kind: 'viewed_together_with', detail: { product_id: a.id, count: 20 } }]);
  });

  it('never returns unpublished or out-of-stock products; untracked SKUs count as in stock', async () => {
    const a = await product();
    const draft = await product({ status: 'draft' });
    const soldOut = await product({ stock: [0] });
    const untracked = await product({ stock: ['untracked'] });
    const secondVariant = await product({ stock: [0, 5] });
    const later = await product();
    await installModel({
      neighbors: [
        [a.id, draft.id, 'bought_together', 0.99, 50],
        [a.id, soldOut.id, 'bought_together', 0.98, 50],
        [a.id, untracked.id, 'bought_together', 0.5, 5],
        [a.id, secondVariant.id, 'bought_together', 0.4, 5],
        [a.id, later.id, 'bought_together', 0.3, 5],
      ],
    });
    const answer = await recommend({ slot: 'product_page', product_id: a.id });
    expect(ids(answer)).toEqual([untracked.id, secondVariant.id, later.id]);
    expect(answer.data[1]!.sku).toBe(secondVariant.skus[1]); // the variant in stock

    // unpublishing a recommended product takes it out of the (cached) answer at once
    ok(await admin.PATCH('/v1/products/{id}', { params: { path: { id: later.id } }, body: { status: 'archived' } }), 200);
    expect(ids(await recommend({ slot: 'product_page', product_id: a.id }))).toEqual([untracked.id, secondVariant.id]);
  });

  it("cart and checkout slots recommend the cart's neighbours, never its items or excluded ones", async () => {
    const [a, b, c, d, e] = [await product(), await product(), await product(), await product(), await product()];
    await installModel({
      neighbors: [
        [a.id, b.id, 'bought_together', 0.9, 10],
        [a.id, c.id, 'bought_together', 0.5, 4],
        [b.id, a.id, 'bought_together', 0.9, 10],
        [b.id, c.id, 'bought_together', 0.4, 2],
        [b.id, d.id, 'viewed_together', 0.6, 7],
        [b.id, e.id, 'bought_together', 0.1, 1],
      ],
    });
    const cart = await shop.POST('/v1/carts', { body: { region_id: regionId, items: [{ sku: a.sku, quantity: 1 }, { sku: b.sku, quantity: 2 }] } });
    const cartId = ok(cart, 201).id;

    const answer = await recommend({ slot: 'cart', cart_id: cartId });
    expect(answer.strategy).toBe('cooccurrence');
    expect(ids(answer)).toEqual([c.id, d.id, e.id]); // c: 0.5 + 0.4; d: 0.3; e: 0.1; never a or b
    expect(answer.data[0]!.rationale).toEqual([
      { kind: 'bought_together_with', detail: { product_id: a.id, count: 4 } },
      { kind: 'bought_together_with', detail: { product_id: b.id, count: 2 } },
    ]);
    expect(answer.data[0]!.confidence).toBe(0.699); // 1 − exp(−(4 + 2)/5)

    expect(ids(await recommend({ slot: 'checkout', cart_id: cartId, exclude: `${c.id},${e.id}` }))).toEqual([d.id]);
    expect(ids(await recommend({ slot: 'product_page', product_id: b.id, exclude: a.id }))).toEqual([c.id, d.id, e.id]);

    // an unknown cart is the carts module's 404
    problem(await shop.GET('/v1/recommendations', { params: { query: { slot: 'cart', cart_id: 'cart_nope' } } }), 404);
  });

  it('falls back to popularity on a cold start and says so', async () => {
    const cat = await category();
    const lonely = await product({ categories: [cat] });
    const [inCat, overall1, overall2] = [await product({ categories: [cat] }), await product(), await product()];
    const model = await installModel({
      popularity: [
        [lonely.id, cat, 0.95, 50], // the page's own product: never recommended on its page
        [inCat.id, cat, 0.3, 6],
        [overall1.id, '', 0.9, 40],
        [overall2.id, '', 0.7, 30],
        [inCat.id, '', 0.3, 6],
      ],
    });
    // no neighbours for this product: trending in its category first, then overall popularity
    const page = await recommend({ slot: 'product_page', product_id: lonely.id, limit: 3 });
    expect(page).toMatchObject({ strategy: 'popularity_fallback', model_version: model.version });
    expect(ids(page)).toEqual([inCat.id, overall1.id, overall2.id]);
    expect(page.data[0]!.rationale[0]).toEqual({ kind: 'trending_in_category', detail: { category_id: cat, count: 6 } });
    expect(page.data[1]!.rationale).toEqual([{ kind: 'popular', detail: { count: 40 } }]);

    // a home page without a shopper is plain popularity, not a fallback
    const home = await recommend({ slot: 'home', limit: 2 });
    expect(home).toMatchObject({ strategy: 'popularity' });
    expect(ids(home)).toEqual([overall1.id, overall2.id]);

    // no active model at all: popularity of recent signals, model_version null
    await t.db.forEnv('test').query(`UPDATE recommendation_models SET status = 'retired' WHERE status = 'active'`);
    t.bus.deliver('test', 'recommendation_model', model.id); // what an activation announces
    const now = new Date().toISOString();
    const signals = [overall2, overall2, overall2, inCat, inCat].map((p, i) => ({ id: `sig-${tag()}-${i}`, type: 'view' as const, product_id: p.id, anonymous_id: `anon-${i}`, occurred_at: now }));
    ok(await admin.POST('/v1/signals', { body: { signals } }), 200);
    const cold = await recommend({ slot: 'product_page', product_id: lonely.id, limit: 2 });
    expect(cold).toMatchObject({ strategy: 'popularity_fallback', model_version: null });
    expect(ids(cold)).toEqual([overall2.id, inCat.id]);
  });

  it('serves a newly activated model at once (the cache is invalidated on activation)', async () => {
    const [a, b, c] = [await product(), await product(), await product()];
    const first = await installModel({ neighbors: [[a.id, b.id, 'bought_together', 0.9, 10], [a.id, c.id, 'bought_together', 0.1, 10]] });
    expect(await recommend({ slot: 'product_page', product_id: a.id })).toMatchObject({ model_version: first.version, data: [{ product_id: b.id }, { product_id: c.id }] });
    const second = await installModel({ neighbors: [[a.id, c.id, 'bought_together', 0.8, 10]] });
    expect(await recommend({ slot: 'product_page', product_id: a.id })).toMatchObject({ model_version: second.version, data: [{ product_id: c.id }] });
  });

  it('recommends from the affinity of a customer or an anonymous shopper on the home slot', async () => {
    const [shoes, hats] = [await category(), await category()];
    const [boot, sandal, cap] = [await product({ categories: [shoes] }), await product({ categories: [shoes] }), await product({ categories: [hats] })];
    const customer = `cus_${tag()}`;
    const anonymous = `anon_${tag()}`;
    await installModel({
      popularity: [[boot.id, shoes, 0.6, 9], [sandal.id, shoes, 0.4, 5], [cap.id, hats, 0.9, 12], [cap.id, '', 0.9, 12]],
      affinity: [[`c:${customer}`, shoes, 0.8, 7], [`a:${anonymous}`, hats, 1, 3]],
    });
    const forCustomer = await recommend({ slot: 'home', customer_id: customer }, admin);
    expect(forCustomer.strategy).toBe('affinity');
    // the favourite category's best sellers, then overall popularity fills the rest
    expect(ids(forCustomer)).toEqual([boot.id, sandal.id, cap.id]);
    expect(forCustomer.data[2]!.rationale).toEqual([{ kind: 'popular', detail: { count: 12 } }]);
    expect(forCustomer.data[0]!.rationale).toEqual([
      { kind: 'affinity_category', detail: { category_id: shoes, count: 7 } },
      { kind: 'trending_in_category', detail: { category_id: shoes, count: 9 } },
    ]);
    const forAnonymous = await recommend({ slot: 'home', anonymous_id: anonymous });
    expect(forAnonymous).toMatchObject({ strategy: 'affinity', data: [{ product_id: cap.id, rationale: [{ kind: 'affinity_category', detail: { category_id: hats } }, { kind: 'trending_in_category' }] }] });
    // a shopper the model does not know: popularity, as a fallback
    expect(await recommend({ slot: 'home', anonymous_id: `anon_${tag()}` })).toMatchObject({ strategy: 'popularity_fallback', data: [{ product_id: cap.id }] });
    // a customer's recommendations reveal their tastes: not with a public key
    problem(await shop.GET('/v1/recommendations', { params: { query: { slot: 'home', customer_id: customer } } }), 403);
  });

  it('validates slot and limit (1–50) and honours limit', async () => {
    const [a, b, c] = [await product(), await product(), await product()];
    await installModel({ neighbors: [[a.id, b.id, 'bought_together', 0.9, 3], [a.id, c.id, 'bought_together', 0.8, 3]] });
    const queries: Query[] = [{ slot: 'product_page', limit: 51 }, { slot: 'product_page', limit: 0 }, { slot: 'product_page', exclude: 'a,,b' }];
    for (const query of queries) {
      const res = await shop.GET('/v1/recommendations', { params: { query } });
      expect(res.response.status, JSON.stringify(query)).toBe(422);
      expect(res.response.headers.get('content-type')).toContain('application/problem+json');
    }
    // invalid on purpose: without the slot the types require, and a slot they do not allow
    for (const q of ['limit=5', 'slot=sidebar']) {
      const res = await t.call('GET', `/v1/recommendations?${q}`, { key: t.keys.publishable });
      expect(res.statusCode, q).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(ids(await recommend({ slot: 'product_page', product_id: a.id, limit: 1 }))).toEqual([b.id]);
    expect((await recommend({ slot: 'product_page', product_id: a.id, limit: 50 })).data).toHaveLength(2);
  });
});
