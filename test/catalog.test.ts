import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { Database } from '../src/platform/db/database.js';
import { InvalidationBus } from '../src/platform/db/invalidation.js';
import { createLogger } from '../src/platform/observability/logger.js';
import { Metrics } from '../src/platform/observability/metrics.js';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { tag } from './helpers/commerce.js';
import { createProduct } from './helpers/fixtures.js';
import { api, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
});
afterAll(() => t.close());

type NewProduct = operations['postV1Products']['requestBody']['content']['application/json'];

/** A minimal valid product body; `over` replaces any field. */
function productBody(over: Partial<NewProduct> = {}): NewProduct {
  return { title: `Catalog product ${tag()}`, status: 'published', variants: [{ sku: `CAT-${tag()}`, prices: [{ currency: 'USD', amount: 1000 }] }], ...over };
}

async function category(body: { name: string; parent_id?: string }) {
  return ok(await admin.POST('/v1/categories', { body }), 201);
}

const id = (value: string) => ({ params: { path: { id: value } } });
const variant = (productId: string, variantId: string) => ({ params: { path: { id: productId, variant_id: variantId } } });

describe('products and variants', () => {
  it('creates a product with variants, prices per currency and a generated handle', async () => {
    const res = await admin.POST('/v1/products', {
      body: {
        title: 'Ridge Trail Shoe',
        brand: 'Acme',
        attributes: { color: 'black' },
        images: ['https://img.example/ridge.jpg'],
        variants: [
          { sku: 'RIDGE-41', options: { size: '41' }, weight_grams: 310, prices: [{ currency: 'USD', amount: 12900 }, { currency: 'EUR', amount: 11900 }] },
          { sku: 'RIDGE-42', options: { size: '42' }, prices: [{ currency: 'USD', amount: 12900 }] },
        ],
      },
    });
    const p = ok(res, 201);
    expect(p).toMatchObject({ object: 'product', title: 'Ridge Trail Shoe', status: 'draft', brand: 'Acme', seller_id: null });
    expect(p.id).toMatch(/^prod_[0-9a-z]{26}$/);
    expect(p.handle).toMatch(/^ridge-trail-shoe-[0-9a-z]{6}$/);
    expect(p.variants.map((v) => v.sku)).toEqual(['RIDGE-41', 'RIDGE-42']);
    expect(p.variants[0]).toMatchObject({ object: 'variant', title: 'RIDGE-41', weight_grams: 310, prices: [{ currency: 'EUR', amount: 11900 }, { currency: 'USD', amount: 12900 }] });
    const { rows } = await t.db.forEnv('test').query<{ min_prices: unknown }>('SELECT min_prices FROM products WHERE id = $1', [p.id]);
    expect(rows[0]!.min_prices).toEqual({ USD: 12900, EUR: 11900 });
  });

  it('rejects two prices in one currency and a SKU twice in one request, writing nothing', async () => {
    const twoPrices = await admin.POST('/v1/products', { body: productBody({ title: 'Dup currency', variants: [{ sku: 'DC-1', prices: [{ currency: 'USD', amount: 1 }, { currency: 'USD', amount: 2 }] }] }) });
    expect(problem(twoPrices, 422)).toMatchObject({ code: 'duplicate_currency', errors: [{ pointer: '/variants/0/prices/1/currency' }] });
    const twoSkus = await admin.POST('/v1/products', { body: productBody({ title: 'Dup sku', variants: [{ sku: 'DS-1', prices: [{ currency: 'USD', amount: 1 }] }, { sku: 'DS-1', prices: [{ currency: 'USD', amount: 1 }] }] }) });
    expect(twoSkus.error?.code).toBe('duplicate_sku');
    const { rowCount } = await t.db.forEnv('test').query("SELECT 1 FROM products WHERE title IN ('Dup currency', 'Dup sku')");
    expect(rowCount).toBe(0);
  });

  it('a taken handle or SKU is a 409 and leaves no partial product', async () => {
    const p = await createProduct(t, { handle: 'unique-handle' });
    const sameHandle = await admin.POST('/v1/products', { body: productBody({ title: 'Second', handle: 'unique-handle' }) });
    expect(problem(sameHandle, 409)).toMatchObject({ code: 'handle_taken', errors: [{ pointer: '/handle' }] });
    const sku = (p.variants as { sku: string }[])[0]!.sku;
    const sameSku = await admin.POST('/v1/products', { body: productBody({ title: 'Half written?', variants: [{ sku: 'NEW-OK-1', prices: [{ currency: 'USD', amount: 1 }] }, { sku, prices: [{ currency: 'USD', amount: 1 }] }] }) });
    problem(sameSku, 409);
    const leftovers = await t.db.forEnv('test').query("SELECT 1 FROM product_variants WHERE sku = 'NEW-OK-1' UNION ALL SELECT 1 FROM products WHERE title = 'Half written?'");
    expect(leftovers.rowCount).toBe(0);
  });

  it('updates, adds, changes and removes variants, keeping min prices current', async () => {
    const p = await createProduct(t, { variants: [{ sku: `V-${Date.now()}-a`, prices: [{ currency: 'USD', amount: 5000 }] }] });
    const added = ok(await admin.POST('/v1/products/{id}/variants', { ...id(p.id), body: { sku: `V-${Date.now()}-b`, prices: [{ currency: 'USD', amount: 3000 }] } }), 201);
    expect(added.variants).toHaveLength(2);
    const vB = added.variants[1]!.id;
    const changed = ok(await admin.PATCH('/v1/products/{id}/variants/{variant_id}', { ...variant(p.id, vB), body: { prices: [{ currency: 'USD', amount: 7000 }], options: { size: 'L' } } }), 200);
    expect(changed.variants[1]).toMatchObject({ options: { size: 'L' }, prices: [{ currency: 'USD', amount: 7000 }] });
    const min = async () => (await t.db.forEnv('test').query<{ m: unknown }>('SELECT min_prices AS m FROM products WHERE id = $1', [p.id])).rows[0]!.m;
    expect(await min()).toEqual({ USD: 5000 });
    const vA = added.variants[0]!.id;
    ok(await admin.DELETE('/v1/products/{id}/variants/{variant_id}', variant(p.id, vA)), 200);
    expect(await min()).toEqual({ USD: 7000 });
    const last = await admin.DELETE('/v1/products/{id}/variants/{variant_id}', variant(p.id, vB));
    expect(problem(last, 409).code).toBe('last_variant');
    problem(await admin.PATCH('/v1/products/{id}/variants/{variant_id}', { ...variant(p.id, 'var_nope'), body: { title: 'x' } }), 404);
    problem(await admin.PATCH('/v1/products/{id}', { ...id(p.id), body: {} }), 422);
  });

  it('deletes a product and its variants', async () => {
    const p = await createProduct(t);
    expect(ok(await admin.DELETE('/v1/products/{id}', id(p.id)))).toEqual({ id: p.id, object: 'product', deleted: true });
    problem(await admin.GET('/v1/products/{id}', id(p.id)), 404);
    problem(await admin.DELETE('/v1/products/{id}', id(p.id)), 404);
    const { rowCount } = await t.db.forEnv('test').query('SELECT 1 FROM product_variants WHERE product_id = $1', [p.id]);
    expect(rowCount).toBe(0);
  });
});

describe('category tree', () => {
  it('keeps paths from the root, and a move rewrites the subtree and its products', async () => {
    const sports = await category({ name: 'Sports' });
    const outdoor = await category({ name: 'Outdoor' });
    const running = await category({ name: 'Running', parent_id: sports.id });
    const trail = await category({ name: 'Trail', parent_id: running.id });
    expect(trail.path).toEqual([sports.id, running.id, trail.id]);
    const p = await createProduct(t, { category_ids: [trail.id] });
    const moved = ok(await admin.PATCH('/v1/categories/{id}', { ...id(running.id), body: { parent_id: outdoor.id } }), 200);
    expect(moved.path).toEqual([outdoor.id, running.id]);
    expect(ok(await admin.GET('/v1/categories/{id}', id(trail.id))).path).toEqual([outdoor.id, running.id, trail.id]);
    const { rows } = await t.db.forEnv('test').query<{ category_paths: string[] }>('SELECT category_paths FROM products WHERE id = $1', [p.id]);
    expect(rows[0]!.category_paths.sort()).toEqual([outdoor.id, running.id, trail.id].sort());
    const surrogate = (await admin.GET('/v1/products/{id}', id(p.id))).response.headers.get('surrogate-key');
    expect(surrogate).toContain(`category-${outdoor.id}`);
    expect(surrogate).not.toContain(`category-${sports.id}`);
  });

  it('refuses cycles, unknown parents, and deleting a category in use', async () => {
    const a = await category({ name: 'A' });
    const b = await category({ name: 'B', parent_id: a.id });
    const cycle = await admin.PATCH('/v1/categories/{id}', { ...id(a.id), body: { parent_id: b.id } });
    expect(problem(cycle, 422).code).toBe('category_cycle');
    expect((await admin.POST('/v1/categories', { body: { name: 'Orphan', parent_id: 'cat_nope' } })).error?.code).toBe('unknown_category');
    expect((await admin.DELETE('/v1/categories/{id}', id(a.id))).error?.code).toBe('category_in_use');
    await createProduct(t, { category_ids: [b.id] });
    expect((await admin.DELETE('/v1/categories/{id}', id(b.id))).error?.code).toBe('category_in_use');
    const empty = await category({ name: 'Empty' });
    expect(ok(await admin.DELETE('/v1/categories/{id}', id(empty.id)))).toEqual({ id: empty.id, object: 'category', deleted: true });
    problem(await admin.POST('/v1/categories', { body: { name: 'A again', handle: a.handle } }), 409);
  });

  it('lists children of a category, or the roots', async () => {
    const root = await category({ name: 'Listed root' });
    await category({ name: 'Child 1', parent_id: root.id });
    await category({ name: 'Child 2', parent_id: root.id });
    const children = ok(await admin.GET('/v1/categories', { params: { query: { parent_id: root.id } } }));
    expect(children.data.map((c) => c.name)).toEqual(['Child 1', 'Child 2']);
    const roots = ok(await admin.GET('/v1/categories', { params: { query: { parent_id: 'root', limit: 100 } } }));
    expect(roots.data.every((c) => c.parent_id === null)).toBe(true);
  });
});

describe('caches across processes', () => {
  it('a write in one process invalidates the cached product in another once it commits', async () => {
    // a second Tessera process on the same database
    const db = new Database(t.db.url, 2);
    const bus = new InvalidationBus(t.db.url);
    await bus.start();
    const other = await buildApp({ config: t.config, db, bus, logger: createLogger('silent'), metrics: new Metrics(false) });
    try {
      const p = await createProduct(t);
      const get = () => other.app.inject({ method: 'GET', url: `/v1/products/${p.id}`, headers: { authorization: `Bearer ${t.keys.secret}` } });
      expect((await get()).json().title).toBe(p.title);
      ok(await admin.PATCH('/v1/products/{id}', { ...id(p.id), body: { title: 'Changed elsewhere' } }));
      let title = '';
      for (let i = 0; i < 50 && title !== 'Changed elsewhere'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        title = (await get()).json().title as string;
      }
      expect(title).toBe('Changed elsewhere');
    } finally {
      await other.app.close();
      await bus.close();
      await db.close();
    }
  });
});

describe('failures', () => {
  it('a 5xx never leaks its message, and carries the request id', async () => {
    const db = new Database(t.db.url, 1);
    const bus = new InvalidationBus(t.db.url);
    const broken = await buildApp({ config: t.config, db, bus, logger: createLogger('silent'), metrics: new Metrics(false) });
    const key = t.keys.secret;
    await broken.app.inject({ method: 'GET', url: '/v1/products', headers: { authorization: `Bearer ${key}` } }); // authenticates, caches the key
    await db.close(); // the database goes away
    const res = await broken.app.inject({ method: 'GET', url: '/v1/products?limit=7', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'internal_error', status: 500, request_id: res.headers['x-request-id'] });
    expect(res.body).not.toMatch(/pool|end|Cannot/i);
    const ready = await broken.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    await broken.app.close();
  });

  it('/readyz reports pending migrations', async () => {
    ok(await api(t).GET('/readyz'), 200);
    const db = new Database(t.db.url, 1);
    const bus = new InvalidationBus(t.db.url);
    const other = await buildApp({ config: t.config, db, bus, logger: createLogger('silent'), metrics: new Metrics(false) });
    await t.db.admin.query("DELETE FROM live.schema_migrations WHERE module = 'catalog'");
    const res = await other.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().detail).toMatch(/migrations pending/);
    await other.app.close();
    await db.close();
  });
});
