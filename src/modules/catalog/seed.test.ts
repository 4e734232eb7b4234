import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/app.js';
import { Database, type EnvDb } from '../../platform/db/database.js';
import { charmPrice, SEED_TREE, seedCatalog, seedProduct } from './seed.js';

interface Opened {
  db: Database;
  env: EnvDb;
  drop(): Promise<void>;
}

async function open(): Promise<Opened> {
  const database = await createTestDatabase();
  const db = new Database(database.url, 2);
  return { db, env: db.forEnv('test'), drop: async () => (await db.close(), await database.drop()) };
}

/** An md5 over every row of the catalog tables, in id order: equal checksums, equal data. */
async function checksum(env: EnvDb): Promise<Record<string, string>> {
  const tables = {
    categories: 'SELECT * FROM categories ORDER BY id',
    products: 'SELECT * FROM products ORDER BY id',
    variants: 'SELECT * FROM product_variants ORDER BY id',
    prices: 'SELECT * FROM variant_prices ORDER BY variant_id, currency',
  };
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(tables)) {
    const { rows } = await env.query<{ sum: string }>(`SELECT md5(coalesce(string_agg(t::text, '|'), '')) AS sum FROM (${sql}) t`);
    out[name] = rows[0]!.sum;
  }
  return out;
}

const seed = (env: EnvDb, products: number) => env.transaction((tx) => seedCatalog(tx, { products }));

let a: Opened;
let b: Opened;
beforeAll(async () => {
  [a, b] = await Promise.all([open(), open()]);
});
afterAll(async () => {
  await Promise.all([a?.drop(), b?.drop()]);
});

describe('seedProduct', () => {
  it('depends on the product number alone', () => {
    expect(seedProduct(42)).toEqual(seedProduct(42));
    expect(seedProduct(42)).not.toEqual(seedProduct(43));
  });

  it('makes products the API would accept', () => {
    for (let n = 1; n <= 2000; n++) {
      const p = seedProduct(n);
      expect(p.handle).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(p.variants.length).toBeGreaterThanOrEqual(1);
      expect(p.variants.length).toBeLessThanOrEqual(4);
      for (const key of Object.keys(p.attributes)) expect(key).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
      for (const url of p.images) expect(url).toMatch(/^https:\/\//);
      for (const v of p.variants) {
        expect(v.sku).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
        expect([49, 99]).toContain(v.prices.USD % 100);
        expect([49, 99]).toContain(v.prices.EUR % 100);
        expect(Math.abs(v.prices.EUR - v.prices.USD * 0.92)).toBeLessThan(100);
      }
    }
  });

  it('spreads products over statuses and brands as a shop would', () => {
    const products = Array.from({ length: 2000 }, (_, i) => seedProduct(i + 1));
    const published = products.filter((p) => p.status === 'published').length / products.length;
    expect(published).toBeGreaterThan(0.92);
    expect(published).toBeLessThan(0.98);
    expect(products.some((p) => p.status === 'archived')).toBe(true);
    expect(new Set(products.map((p) => p.brand)).size).toBe(40);
  });
});

describe('the demo tree', () => {
  it('has 8 roots, unique handles, and a third level', () => {
    const cs = SEED_TREE.categories;
    expect(cs.filter((c) => c.parent_id === null)).toHaveLength(8);
    expect(new Set(cs.map((c) => c.handle)).size).toBe(cs.length);
    expect(cs.some((c) => c.path.length === 3)).toBe(true);
    for (const c of cs) expect(c.path.at(-1)).toBe(c.id);
  });

  it('rounds prices to .49 and .99', () => {
    expect(charmPrice(1230)).toBe(1249);
    expect(charmPrice(1270)).toBe(1299);
    expect(charmPrice(1250)).toBe(1299);
  });
});

describe('seedCatalog', () => {
  it('gives identical rows on two databases, and extends a smaller seed to the same catalog', async () => {
    const first = await seed(a.env, 300);
    expect(first).toMatchObject({ categories: SEED_TREE.categories.length, products: 300 });
    expect((await seed(a.env, 450)).products).toBe(150);
    expect((await seed(b.env, 450)).products).toBe(450);
    expect(await checksum(a.env)).toEqual(await checksum(b.env));
  });

  it('is a no-op when run again', async () => {
    const before = await checksum(a.env);
    expect(await seed(a.env, 450)).toEqual({ categories: 0, products: 0, variants: 0 });
    expect(await checksum(a.env)).toEqual(before);
  });

  it('keeps min_prices and category_paths as the product service maintains them', async () => {
    const { rows } = await a.env.query<{ prices: number; paths: number; tree: number; total: number }>(`
      SELECT
        count(*) FILTER (WHERE p.min_prices <> coalesce((
          SELECT jsonb_object_agg(currency, amount) FROM (
            SELECT vp.currency, min(vp.amount) AS amount FROM variant_prices vp
            JOIN product_variants v ON v.id = vp.variant_id WHERE v.product_id = p.id GROUP BY vp.currency) m), '{}'::jsonb))::int AS prices,
        count(*) FILTER (WHERE p.category_paths <> (
          SELECT array_agg(DISTINCT x ORDER BY x) FROM categories c, unnest(c.path) AS x WHERE c.id = ANY(p.category_ids)))::int AS paths,
        (SELECT count(*) FROM categories c LEFT JOIN categories parent ON parent.id = c.parent_id
          WHERE c.path <> coalesce(parent.path, '{}') || c.id)::int AS tree,
        count(*)::int AS total
      FROM products p`);
    expect(rows[0]).toEqual({ prices: 0, paths: 0, tree: 0, total: 450 });
  });
});
